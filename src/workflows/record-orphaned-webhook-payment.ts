import type { Logger, ProviderWebhookPayload } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { gatewayContextFor, isPaymentOptionsProvider } from "../providers/paymentoptions/context"
import { normalizeAmount } from "../providers/paymentoptions/money"
import { outcomeOf } from "../providers/paymentoptions/status"
import { verifyWebhook } from "../providers/paymentoptions/webhook"
import { refundOrphanPaymentWorkflow } from "./refund-orphan-payment"

export type RecordOrphanedWebhookPaymentInput = { provider: string; payload: ProviderWebhookPayload["payload"] }

/**
 * A verified, succeeded payment for a payment session that no longer exists (Medusa deletes sessions whenever the
 * cart total changes; a hosted-page tab opened before can still be paid): recorded as an orphan, logged as an error,
 * and refunded by itself when the provider option `refundOrphanedPayments` is on. Medusa's own webhook handling can
 * do nothing with it (no session, no cart).
 */
export const recordOrphanedWebhookPaymentStep = createStep(
  "paymentoptions-record-orphaned-webhook-payment",
  async (input: RecordOrphanedWebhookPaymentInput, { container }) => {
    const providerId = input.provider.startsWith("pp_") ? input.provider : `pp_${input.provider}`
    if (!isPaymentOptionsProvider(providerId)) return new StepResponse({ orphan_id: null as string | null, refund: false })
    const logger = container.resolve<Logger>(ContainerRegistrationKeys.LOGGER)
    const ctx = gatewayContextFor(providerId, logger)
    const verified = await verifyWebhook(ctx, input.payload)
    if (!verified || !["CAPTURE", "PRE_AUTH"].includes(verified.type) || outcomeOf(verified.envelope) !== "succeeded") {
      return new StepResponse({ orphan_id: null as string | null, refund: false })
    }
    const query = container.resolve(ContainerRegistrationKeys.QUERY)
    const { data: sessions } = await query.graph({ entity: "payment_session", fields: ["id"], filters: { id: verified.sessionId } })
    if (sessions.length) return new StepResponse({ orphan_id: null as string | null, refund: false })
    // A capture of a PRE_AUTH made through Medusa belongs to a payment whose session exists; this one has none.
    const known = await ctx.store.operationsWhere({ transaction_id: verified.transactionId })
    if (known.some((op) => op.kind === "capture" || op.kind === "refund")) return new StepResponse({ orphan_id: null as string | null, refund: false })
    const currency = verified.envelope.payment_details?.currency?.toLowerCase() ?? ""
    const amount = normalizeAmount(verified.envelope.payment_details?.amount ?? 0, currency)
    const { orphan, created } = await ctx.store.recordOrphan({
      transaction_id: verified.transactionId,
      session_id: verified.sessionId,
      provider_id: providerId,
      kind: verified.type === "PRE_AUTH" ? "pre_auth" : "sale",
      amount,
      currency_code: currency,
      reason: "paid for a payment session that no longer exists (no order)",
    })
    if (created) {
      logger.error(
        `PaymentOptions: ${amount} ${currency.toUpperCase()} (transaction ${verified.transactionId}) was paid for payment session ` +
          `${verified.sessionId}, which no longer exists: no order was placed. ` +
          (ctx.options.refundOrphanedPayments
            ? "It is refunded automatically (refundOrphanedPayments)."
            : "Refund it from the admin (GET /admin/paymentoptions/orphan-payments) or the order widget.")
      )
    }
    return new StepResponse({ orphan_id: orphan.id, refund: created && ctx.options.refundOrphanedPayments })
  }
)

export const recordOrphanedWebhookPaymentWorkflow = createWorkflow(
  "paymentoptions-record-orphaned-webhook-payment",
  (input: RecordOrphanedWebhookPaymentInput) => {
    const result = recordOrphanedWebhookPaymentStep(input)
    return new WorkflowResponse(result)
  }
)

export { refundOrphanPaymentWorkflow }
