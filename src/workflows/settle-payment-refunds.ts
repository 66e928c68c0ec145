import { acquireLockStep, releaseLockStep } from "@medusajs/medusa/core-flows"
import { createStep, createWorkflow, StepResponse, transform, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { LOCK_TIMEOUT_SECONDS, LOCK_TTL_SECONDS, paymentLockKey } from "./helpers/locks"
import { settleAndSyncLedger, SettleResult } from "./helpers/payment-ledger"

export type SettlePaymentRefundsInput = { payment_id: string }

/** Settles the payment's refunds from Transaction Status and syncs its ledger. Idempotent; nothing to undo. */
export const settlePaymentRefundsStep = createStep(
  "paymentoptions-settle-payment-refunds-step",
  async (input: SettlePaymentRefundsInput, { container }) => new StepResponse<SettleResult>(await settleAndSyncLedger(container, input.payment_id))
)

/**
 * "Check now" in the admin and the scheduled job: asks the gateway about the payment's refunds whose outcome is
 * unknown (never sends a refund) and writes what changed onto `payment.data`, under the payment's lock.
 */
export const settlePaymentRefundsWorkflow = createWorkflow(
  "paymentoptions-settle-payment-refunds",
  (input: SettlePaymentRefundsInput) => {
    const key = transform({ input }, ({ input }) => paymentLockKey(input.payment_id))
    acquireLockStep({ key, timeout: LOCK_TIMEOUT_SECONDS, ttl: LOCK_TTL_SECONDS })
    const result = settlePaymentRefundsStep(input)
    releaseLockStep({ key })
    return new WorkflowResponse(result)
  }
)
