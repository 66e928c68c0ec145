import type { Logger, ProviderWebhookPayload } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { gatewayContextFor, isPaymentOptionsProvider } from "../providers/paymentoptions/context"
import { normalizeAmount } from "../providers/paymentoptions/money"
import { outcomeOf } from "../providers/paymentoptions/status"
import { shortId } from "../providers/paymentoptions/gateway-ops"
import { linkRefund, verifyWebhook } from "../providers/paymentoptions/webhook"
import { withPaymentLock } from "./helpers/locks"
import { settleAndSyncLedger } from "./helpers/payment-ledger"
import { orderPaymentOfSession } from "./helpers/session-payment"

export type HandleWebhookInput = { provider: string; payload: ProviderWebhookPayload["payload"] }
export type HandleWebhookResult = { orphan_id: string | null; refund: boolean; ledger_of: string | null }

const NOTHING: HandleWebhookResult = { orphan_id: null, refund: false, ledger_of: null }
const WEBHOOK_LOCK_SECONDS = 5

/**
 * The plugin's part of a PaymentOptions webhook, next to Medusa's own handling (which drives the cart and payment):
 * - a refund the gateway announces is linked to the refund whose answer was lost and written to the payment's
 *   ledger, under the payment's lock;
 * - a verified, succeeded payment for a payment session that no longer exists (Medusa deletes sessions whenever the
 *   cart total changes; a hosted-page tab opened before can still be paid) is recorded as an orphan payment, logged
 *   as an error, and refunded by itself when the provider option `refundOrphanedPayments` is on.
 */
export const handleWebhookStep = createStep("paymentoptions-handle-webhook", async (input: HandleWebhookInput, { container }) => {
  const providerId = input.provider.startsWith("pp_") ? input.provider : `pp_${input.provider}`
  if (!isPaymentOptionsProvider(providerId)) return new StepResponse(NOTHING)
  const logger = container.resolve<Logger>(ContainerRegistrationKeys.LOGGER)
  const ctx = gatewayContextFor(providerId, logger)
  const verified = await verifyWebhook(ctx, input.payload)
  if (!verified) return new StepResponse(NOTHING)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const currency = verified.envelope.payment_details?.currency?.toLowerCase() ?? ""
  const paid = verified.envelope.payment_details?.amount

  if (verified.type === "REFUND") {
    const { data: payments } = await query.graph({ entity: "payment", fields: ["id"], filters: { payment_session_id: verified.sessionId } })
    const paymentId = payments[0]?.id as string | undefined
    if (!paymentId || !currency || paid === null || paid === undefined) return new StepResponse(NOTHING)
    await linkRefund(ctx, verified.sessionId, verified.transactionId, normalizeAmount(paid, currency))
    try {
      // A short wait: a lock left by a dead process must not hold the event queue; the job settles it later.
      await withPaymentLock(container, paymentId, () => settleAndSyncLedger(container, paymentId), WEBHOOK_LOCK_SECONDS)
    } catch (error) {
      logger.info(`PaymentOptions: payment ${paymentId} is busy; its announced refund is settled by the next settle (the job or Check now).`)
      return new StepResponse(NOTHING)
    }
    return new StepResponse({ ...NOTHING, ledger_of: paymentId })
  }

  if (!["CAPTURE", "PRE_AUTH"].includes(verified.type) || outcomeOf(verified.envelope) !== "succeeded") return new StepResponse(NOTHING)
  const { data: sessions } = await query.graph({ entity: "payment_session", fields: ["id"], filters: { id: verified.sessionId } })
  if (sessions.length) return new StepResponse(NOTHING)
  // The session is gone but an order's payment is not: the money is the order's (a webhook delivered again, a late one).
  if (await orderPaymentOfSession(container, verified.sessionId)) return new StepResponse(NOTHING)
  // A capture of a PRE_AUTH made through Medusa belongs to a payment whose session exists; this one has none.
  const known = await ctx.store.operationsWhere({ transaction_id: verified.transactionId })
  if (known.some((op) => op.kind === "capture" || op.kind === "refund")) return new StepResponse(NOTHING)
  const amount = normalizeAmount(paid ?? 0, currency)
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
      `PaymentOptions: ${amount} ${currency.toUpperCase()} (${verified.type === "PRE_AUTH" ? `held by authorization ${shortId(verified.transactionId)}` : `transaction ${verified.transactionId}`}) ` +
        `was paid for payment session ${verified.sessionId}, which no longer exists: ` +
        "no order was placed. " +
        (ctx.options.refundOrphanedPayments
          ? "It is refunded automatically (refundOrphanedPayments)."
          : `Refund it from the admin: POST /admin/paymentoptions/orphan-payments/${orphan.id}/refund.`)
    )
  }
  return new StepResponse({ ...NOTHING, orphan_id: orphan.id, refund: created && ctx.options.refundOrphanedPayments })
})

export const handleWebhookWorkflow = createWorkflow("paymentoptions-handle-webhook", (input: HandleWebhookInput) => {
  return new WorkflowResponse(handleWebhookStep(input))
})
