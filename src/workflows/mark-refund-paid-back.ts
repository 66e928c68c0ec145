import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, transform, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { acquireLockStep, releaseLockStep } from "@medusajs/medusa/core-flows"
import { contextFor, loadLedgerPayment, settleAndSyncLedger, SettleResult } from "./helpers/payment-ledger"
import { LOCK_TIMEOUT_SECONDS, LOCK_TTL_SECONDS, paymentLockKey } from "./helpers/locks"

export type MarkRefundPaidBackInput = { payment_id: string; refund_id: string; note: string; by: string | null }

/**
 * A refund Medusa booked while its outcome was unknown and whose final answer is "not refunded" (the gateway's, or an
 * operator's resolve) leaves the customer owed the money while Medusa counts it as refunded. Once an operator has paid
 * it back outside Medusa (the PaymentOptions portal), this records who, when and how on the refund's record, and
 * reconciliation stops listing it: one listing, one payback.
 */
export const markRefundPaidBackStep = createStep("paymentoptions-mark-refund-paid-back", async (input: MarkRefundPaidBackInput, { container }) => {
  const payment = await loadLedgerPayment(container, input.payment_id)
  const ctx = contextFor(container, payment)
  const op = await ctx.store.findOperation(`refund:${input.refund_id}`)
  if (!op || !payment.refunds.some((r) => r.id === input.refund_id)) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Payment ${input.payment_id} has no PaymentOptions refund ${input.refund_id} booked by Medusa.`)
  }
  if (op.status !== "declined") {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Refund ${input.refund_id} is ${op.status === "succeeded" ? "succeeded" : "not settled yet"}; only a refund whose final answer is "not refunded" can be marked as paid back.`
    )
  }
  const resolution = (op.resolution ?? {}) as Record<string, any>
  if (resolution.paid_back) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Refund ${input.refund_id} was already marked as paid back by ${resolution.paid_back.by ?? "an unknown actor"} at ${resolution.paid_back.at}: ${resolution.paid_back.note}`
    )
  }
  const at = new Date().toISOString()
  await ctx.store.updateOperation(op.id, { resolution: { ...resolution, paid_back: { by: input.by, note: input.note, at } } })
  const result = await settleAndSyncLedger(container, input.payment_id, { settle: false })
  container
    .resolve(ContainerRegistrationKeys.LOGGER)
    .info(`PaymentOptions refund ${input.refund_id} on payment ${input.payment_id} marked as paid back outside Medusa by ${input.by ?? "an unknown actor"}: ${input.note}`)
  return new StepResponse<SettleResult>(result)
})

export const markRefundPaidBackWorkflow = createWorkflow("paymentoptions-mark-refund-paid-back", (input: MarkRefundPaidBackInput) => {
  const key = transform({ input }, ({ input }) => paymentLockKey(input.payment_id))
  acquireLockStep({ key, timeout: LOCK_TIMEOUT_SECONDS, ttl: LOCK_TTL_SECONDS })
  const result = markRefundPaidBackStep(input)
  releaseLockStep({ key })
  return new WorkflowResponse(result)
})
