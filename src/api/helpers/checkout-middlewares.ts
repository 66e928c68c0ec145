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
    await holdLocks(req, res, next, keys, {
      before: async () => {
        await guardOrderCancelWorkflow(req.scope).run({ input: { order_id: req.params.id, locked: true } })
      },
      ttlSeconds: ttl,
    })
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

/**
 * POST /store/payment-collections/:id/payment-sessions on a collection with PaymentOptions sessions: refused once the
 * cart is an order, and otherwise run under the cart's lock (the key Medusa's cart completion takes), so the sessions
 * Medusa deletes first cannot be deleted while a completion is authorizing them.
 */
export async function guardNewPaymentSession(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
  try {
    const input = { payment_collection_id: req.params.id }
    const { result } = await guardNewPaymentSessionWorkflow(req.scope).run({ input })
    if (!result.cart_id) return next()
    await holdLocks(req, res, next, [result.cart_id], {
      before: async () => {
        await guardNewPaymentSessionWorkflow(req.scope).run({ input }) // again, under the lock
      },
      busy: "The cart is being completed; try again in a moment.",
    })
  } catch (error) {
    next(error)
  }
}
