import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError, Modules } from "@medusajs/framework/utils"
import { parseCardPayment } from "../../../../../../providers/paymentoptions/requests"

// What the storefront may see of a session after paying with a card (never card data: there is none to show).
const PUBLIC_KEYS = ["checkout", "currency_code", "amount", "card", "three_ds", "last_error", "stored_payment_method_id", "authorization_id"]

/**
 * POST /store/paymentoptions/payment-sessions/:id/card: pays a PaymentOptions payment session with card
 * data (checkoutMode "server" with allowRawCardData). The card goes to the gateway in memory through the
 * provider's updatePayment and is never written to the database; the answer says whether the shopper must
 * pass 3-D Secure (`three_ds.redirect_url`).
 */
export const POST = async (req: MedusaRequest, res: MedusaResponse) => {
  const card = parseCardPayment(req.body)
  const payment = req.scope.resolve(Modules.PAYMENT)
  const session = await payment.retrievePaymentSession(req.params.id, {
    select: ["id", "provider_id", "status", "data", "amount", "raw_amount", "currency_code"],
  })
  if (!session.provider_id.startsWith("pp_paymentoptions_")) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `Payment session ${session.id} is not a PaymentOptions session.`)
  }
  if (!["pending", "error"].includes(session.status)) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Payment session ${session.id} is ${session.status}; it cannot take a card now.`)
  }
  const updated = await payment.updatePaymentSession({
    id: session.id,
    data: { ...(session.data ?? {}), card_payment: card },
    amount: (session as { raw_amount?: unknown }).raw_amount ?? session.amount,
    currency_code: session.currency_code,
  } as any)
  const data = Object.fromEntries(Object.entries(updated.data ?? {}).filter(([key]) => PUBLIC_KEYS.includes(key)))
  res.json({ payment_session: { id: updated.id, status: updated.status, data } })
}
