import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { guardOrderCancelWorkflow } from "../../workflows/guard-order-cancel"
import { recordCheckoutIpWorkflow } from "../../workflows/record-checkout-ip"

/** POST /admin/orders/:id/cancel: refused first when Medusa's cancel would book a refund the gateway would refuse. */
export async function guardOrderCancel(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
  try {
    await guardOrderCancelWorkflow(req.scope).run({ input: { order_id: req.params.id } })
    next()
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
