import type { IPaymentModuleService } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MathBN, MedusaError, Modules } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, transform, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { acquireLockStep, releaseLockStep } from "@medusajs/medusa/core-flows"
import { cancelShortfalls } from "./helpers/cancel-shortfall"
import { LOCK_TIMEOUT_SECONDS, LOCK_TTL_SECONDS, orderLockKey, withPaymentLock } from "./helpers/locks"

export type RefundCancelShortfallInput = { order_id: string; by?: string | null }

/**
 * The fix for a canceled order whose cancel booked a refund the gateway did not make: refunds the difference through
 * the payment module (a refund row and the provider's refund, without a second order transaction: the cancel already
 * booked one), oldest PaymentOptions payment first, each under its payment's lock.
 */
export const refundCancelShortfallStep = createStep(
  "paymentoptions-refund-cancel-shortfall",
  async (input: RefundCancelShortfallInput, { container }) => {
    const [gap] = await cancelShortfalls(container, { id: input.order_id }, 1)
    if (!gap) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Order ${input.order_id} has no refund booked by its cancel that the gateway did not make.`)
    }
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    let left = MathBN.convert(gap.shortfall)
    const refunded: { payment_id: string; amount: string }[] = []
    for (const p of gap.payments) {
      if (!MathBN.gt(left, 0)) break
      const amount = MathBN.lt(left, p.refundable) ? left : MathBN.convert(p.refundable)
      if (!MathBN.gt(amount, 0)) continue
      await withPaymentLock(container, p.payment_id, () =>
        paymentModule.refundPayment({
          payment_id: p.payment_id,
          amount: amount.toFixed(),
          created_by: input.by ?? undefined,
          note: `Refund booked by the cancel of order ${input.order_id} but not made then`,
        } as any)
      )
      refunded.push({ payment_id: p.payment_id, amount: amount.toFixed() })
      left = MathBN.sub(left, amount)
    }
    container
      .resolve(ContainerRegistrationKeys.LOGGER)
      .info(`PaymentOptions refunded the cancel shortfall of order ${input.order_id}: ${refunded.map((r) => `${r.amount} on ${r.payment_id}`).join(", ")}.`)
    return new StepResponse({ order_id: input.order_id, refunded })
  }
)

export const refundCancelShortfallWorkflow = createWorkflow("paymentoptions-refund-cancel-shortfall", (input: RefundCancelShortfallInput) => {
  // The shortfall is read under the order's lock: two presses refund it once (the second finds none).
  const key = transform({ input }, ({ input }) => orderLockKey(input.order_id))
  acquireLockStep({ key, timeout: LOCK_TIMEOUT_SECONDS, ttl: LOCK_TTL_SECONDS })
  const result = refundCancelShortfallStep(input)
  releaseLockStep({ key })
  return new WorkflowResponse(result)
})
