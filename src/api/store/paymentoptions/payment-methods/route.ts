import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { listSavedCardsWorkflow } from "../../../../workflows/list-saved-cards"
import { saveCheckoutCardWorkflow } from "../../../../workflows/save-checkout-card"
import type { StoreSaveCardType } from "../validators"

/** GET /store/paymentoptions/payment-methods: the logged-in customer's saved cards, masked (never a token). */
export const GET = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const { result } = await listSavedCardsWorkflow(req.scope).run({ input: { customer_id: req.auth_context.actor_id } })
  res.json({ payment_methods: result })
}

/**
 * POST /store/paymentoptions/payment-methods  { payment_session_id }: saves the card of one of the customer's paid
 * checkouts where they opted in (`save_card: true` in the session data): the gateway only issues a card token with a
 * payment. (A card opted in at checkout is also saved by itself when the order is placed.)
 */
export const POST = async (req: AuthenticatedMedusaRequest<StoreSaveCardType>, res: MedusaResponse) => {
  const { result } = await saveCheckoutCardWorkflow(req.scope).run({
    input: { payment_session_id: req.validatedBody.payment_session_id, customer_id: req.auth_context.actor_id },
  })
  res.json({ payment_method: { id: result.id, provider_id: result.provider_id, data: result.data } })
}
