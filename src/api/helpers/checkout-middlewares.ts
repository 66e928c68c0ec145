import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { guardNewPaymentSessionWorkflow } from "../../workflows/guard-new-payment-session"
import { guardOrderCancelWorkflow } from "../../workflows/guard-order-cancel"
import { recordCheckoutIpWorkflow } from "../../workflows/record-checkout-ip"
import { holdLocks, orderLockKeys } from "./money-route-locks"

/**
 * POST /admin/orders/:id/cancel on an order with PaymentOptions payments: runs under the order's and its payments'
 * locks (Medusa's cancel refunds them), and is refused first when that refund would be refused by the provider while
 * Medusa still booked it.
 */
export async function guardOrderCancel(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
  try {
    const { keys, ttl } = await orderLockKeys(req, req.params.id)
    if (!keys.length) return next()
    await holdLocks(
      req,
      res,
      next,
      keys,
      async () => {
        await guardOrderCancelWorkflow(req.scope).run({ input: { order_id: req.params.id, locked: true } })
      },
      ttl
    )
  } catch (error) {
    next(error)
  }
}

/**
 * POST /store/carts/:id/complete: records the shopper's IP (as Medusa's express app sees it, `trust proxy` applied)
 * for the cart's PaymentOptions sessions, sent to the gateway with a saved-card payment made at completion.
 */
export async function recordCheckoutIp(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
  try {
    if (req.ip) await recordCheckoutIpWorkflow(req.scope).run({ input: { cart_id: req.params.id, client_ip: req.ip } })
  } catch (error) {
    req.scope.resolve(ContainerRegistrationKeys.LOGGER).warn(`PaymentOptions could not record the checkout IP of cart ${req.params.id}: ${(error as Error).message}`)
  }
  next()
}

/** POST /store/payment-collections/:id/payment-sessions: refused on a collection an order already paid. */
export async function guardNewPaymentSession(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction) {
  try {
    await guardNewPaymentSessionWorkflow(req.scope).run({ input: { payment_collection_id: req.params.id } })
    next()
  } catch (error) {
    next(error)
  }
}
