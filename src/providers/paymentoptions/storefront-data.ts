import { MedusaError } from "@medusajs/framework/utils"

/**
 * What a storefront may put into a PaymentOptions payment session's `data` (POST
 * /store/payment-collections/:id/payment-sessions). Everything else is refused: Medusa stores the caller's data next
 * to the provider's, so a key the provider owns (a transaction id, 3-D Secure state, refunds, card facts…) written by
 * a caller could otherwise be read back as if the gateway had said it. Card data is never accepted here: Medusa
 * writes session data to its database before the provider sees it.
 */
export interface StorefrontData {
  /** A saved card of the logged-in customer (`pocard_…`, from GET /store/paymentoptions/payment-methods). */
  payment_method_id?: string
  /** Ask the gateway for a reusable card token with this payment (logged-in customers only). */
  save_card?: boolean
}

const ALLOWED = new Set(["payment_method_id", "save_card"])
const SAVED_CARD_ID = /^pocard_[A-Za-z0-9]{1,64}$/

/** Medusa adds `session_id` itself (its own value wins over the caller's). */
export function parseStorefrontData(data: Record<string, unknown> | undefined): StorefrontData {
  const { session_id: _medusa, ...rest } = data ?? {}
  const unknown = Object.keys(rest).filter((key) => !ALLOWED.has(key))
  if (unknown.length) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions: payment-session data may only hold "payment_method_id" and "save_card"; refused ${unknown
        .slice(0, 10)
        .map((k) => JSON.stringify(k.slice(0, 40)))
        .join(", ")}. ` +
        "Card data goes to POST /store/paymentoptions/payment-sessions/:id/card or the hosted page, never into session data."
    )
  }
  const out: StorefrontData = {}
  if (rest.payment_method_id !== undefined) {
    if (typeof rest.payment_method_id !== "string" || !SAVED_CARD_ID.test(rest.payment_method_id)) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, 'PaymentOptions: "payment_method_id" must be the id of a saved card (pocard_…).')
    }
    out.payment_method_id = rest.payment_method_id
  }
  if (rest.save_card !== undefined) {
    if (typeof rest.save_card !== "boolean") {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, 'PaymentOptions: "save_card" must be true or false.')
    }
    out.save_card = rest.save_card
  }
  return out
}
