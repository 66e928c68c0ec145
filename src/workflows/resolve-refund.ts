import { acquireLockStep, releaseLockStep } from "@medusajs/medusa/core-flows"
import { ContainerRegistrationKeys, MathBN, MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, transform, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { OperationConflictError } from "../modules/paymentoptions/types"
import { isUnsettled } from "../providers/paymentoptions/gateway-ops"
import { normalizeAmount } from "../providers/paymentoptions/money"
import { settleRefundOperation } from "../providers/paymentoptions/refund"
import { LOCK_TIMEOUT_SECONDS, LOCK_TTL_SECONDS, paymentLockKey } from "./helpers/locks"
import { contextFor, loadLedgerPayment, settleAndSyncLedger, SettleResult } from "./helpers/payment-ledger"

export type ResolveRefundInput = {
  payment_id: string
  refund_id: string
  status: "succeeded" | "failed"
  note: string
  /** The admin user who decided. */
  by: string | null
}

/**
 * An operator's outcome for a refund the gateway cannot tell about: one with no gateway id (its answer was lost),
 * or a Medusa refund row the gateway was never recorded as asked about (a crash before the provider ran). A refund
 * the gateway can still answer is never overridden: it is settled from the gateway instead.
 */
export const resolveRefundStep = createStep("paymentoptions-resolve-refund-step", async (input: ResolveRefundInput, { container }) => {
  const payment = await loadLedgerPayment(container, input.payment_id)
  const ctx = contextFor(container, payment)
  const key = `refund:${input.refund_id}`
  let op = await ctx.store.findOperation(key)
  if (!op) {
    const row = payment.refunds.find((r) => r.id === input.refund_id)
    if (!row || !payment.data.transaction_id) {
      throw new MedusaError(MedusaError.Types.NOT_FOUND, `Payment ${input.payment_id} has no PaymentOptions refund ${input.refund_id}.`)
    }
    const currency = payment.data.currency_code ?? payment.currency_code
    try {
      ;({ operation: op } = await ctx.store.beginOperation({
        key,
        kind: "refund",
        provider_id: payment.provider_id,
        session_id: payment.data.session_id ?? payment.data.transaction_id,
        medusa_id: input.refund_id,
        parent_transaction_id: payment.data.transaction_id,
        amount: normalizeAmount((row.raw_amount ?? row.amount) as any, currency),
        requested_amount: MathBN.convert((row.raw_amount ?? row.amount) as any).toFixed(),
        currency_code: currency,
      }))
    } catch (error) {
      if (error instanceof OperationConflictError) {
        throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Refund ${error.blocking.medusa_id ?? error.blocking.key} on this payment is unsettled too; resolve it first.`)
      }
      throw error
    }
  } else {
    if (!isUnsettled(op)) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Refund ${input.refund_id} is already ${op.status === "declined" ? "failed" : op.status}${op.settled_at ? ` (since ${new Date(op.settled_at).toISOString()})` : ""}; only an unsettled refund can be resolved.`
      )
    }
    if (op.transaction_id) {
      const settled = await settleRefundOperation(ctx, op)
      await settleAndSyncLedger(container, input.payment_id, { settle: false })
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        isUnsettled(settled)
          ? `Refund ${input.refund_id} is known to the gateway (transaction ${op.transaction_id}) and still processing there; it settles by itself (Check now), it cannot be resolved by hand.`
          : `The gateway answered for refund ${input.refund_id}: ${settled.status === "declined" ? "failed" : settled.status}; that answer stands.`
      )
    }
  }
  const at = new Date().toISOString()
  await ctx.store.updateOperation(op.id, {
    status: input.status === "succeeded" ? "succeeded" : "declined",
    settled_at: at,
    resolution: { by: input.by, note: input.note, at, status: input.status },
  })
  const result = await settleAndSyncLedger(container, input.payment_id, { settle: false })
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const message = `PaymentOptions refund ${input.refund_id} on payment ${input.payment_id} resolved by ${input.by ?? "an unknown actor"} as ${input.status}: ${input.note}`
  if (input.status === "failed") {
    logger.warn(`${message}. Medusa still lists its refund row and the order's refunded total counts it; correct the order if the money did not move.`)
  } else {
    logger.info(message)
  }
  return new StepResponse<SettleResult>(result)
})

export const resolveRefundWorkflow = createWorkflow("paymentoptions-resolve-refund", (input: ResolveRefundInput) => {
  const key = transform({ input }, ({ input }) => paymentLockKey(input.payment_id))
  acquireLockStep({ key, timeout: LOCK_TIMEOUT_SECONDS, ttl: LOCK_TTL_SECONDS })
  const result = resolveRefundStep(input)
  releaseLockStep({ key })
  return new WorkflowResponse(result)
})
