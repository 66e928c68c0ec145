import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import type { IPaymentModuleService } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import { parseCardPayment } from "../../../../../../providers/paymentoptions/requests"
import { prepareCardPaymentWorkflow } from "../../../../../../workflows/prepare-card-payment"
import { LOCK_TIMEOUT_SECONDS } from "../../../../../../workflows/helpers/locks"

// What the storefront may see of a session after paying with a card: never card data, tokens or gateway ids.
const PUBLIC_KEYS = ["checkout", "currency_code", "amount", "card", "three_ds", "last_error", "attempt", "authorized_at"]

/**
 * POST /store/paymentoptions/payment-sessions/:id/card  { cart_id, card: {…}, browser_info? }
 * Pays a PaymentOptions session with card data (checkoutMode "server" with allowRawCardData). The session must belong
 * to the cart (and to the logged-in customer when the cart has one); attempts are capped per session and per IP
 * (429). The IP is the request's (Medusa's `trust proxy` applies), never a body field. The card goes to the gateway
 * in memory through the provider's updatePayment: it is not parsed by Medusa's validators (they echo values in
 * errors), not put through a workflow (workflow storage could keep it) and never written to the database.
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const body = (req.body ?? {}) as Record<string, unknown>
  const { cart_id: cartId, ...rest } = body
  if (typeof cartId !== "string" || !cartId) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: cart_id is required (the cart this payment session belongs to).")
  }
  const card = parseCardPayment(rest)
  const clientIp = req.ip ?? ""
  const payment = req.scope.resolve<IPaymentModuleService>(Modules.PAYMENT)
  // Under the same lock key Medusa's cart completion takes: a card payment and a completion of this cart never
  // interleave, and the attempt count is read and used by one request at a time (exact per session; the per-IP count
  // is exact per cart, best effort across carts).
  const locking = req.scope.resolve(Modules.LOCKING)
  const outcome = await locking.execute(
    cartId,
    async () => {
      const { result } = await prepareCardPaymentWorkflow(req.scope).run({
        input: { payment_session_id: req.params.id, cart_id: cartId, customer_id: req.auth_context?.actor_id ?? null, client_ip: clientIp },
      })
      if (!result.allowed) return { refused: result }
      const { session } = result
      const updated = await payment.updatePaymentSession({
        id: session.id,
        data: { ...session.data, card_payment: { ...card, client_ip: clientIp } },
        amount: session.amount,
        currency_code: session.currency_code,
      } as any)
      return { updated }
    },
    { timeout: LOCK_TIMEOUT_SECONDS }
  )
  if (outcome.refused) {
    const result = outcome.refused
    req.scope
      .resolve(ContainerRegistrationKeys.LOGGER)
      .warn(`PaymentOptions card route: ${result.reason === "ip" ? `IP ${clientIp}` : `payment session ${req.params.id}`} reached its limit of ${result.limit} card attempts; refused.`)
    res.status(429).json({
      type: "not_allowed",
      message:
        result.reason === "ip"
          ? `Too many card attempts from this address (${result.limit} an hour). Try again later.`
          : `Too many card attempts for this payment (${result.limit}). Start the checkout again.`,
    })
    return
  }
  const updated = outcome.updated!
  const data = Object.fromEntries(Object.entries(updated.data ?? {}).filter(([key]) => PUBLIC_KEYS.includes(key)))
  res.json({ payment_session: { id: updated.id, status: updated.status, data } })
}
