import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { deleteSavedCardWorkflow } from "../../../../../workflows/delete-saved-card"

/** DELETE /store/paymentoptions/payment-methods/:id: deletes one of the logged-in customer's saved cards. */
export const DELETE = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const { result } = await deleteSavedCardWorkflow(req.scope).run({ input: { payment_method_id: req.params.id, customer_id: req.auth_context.actor_id } })
  res.json({ id: result.id, object: "payment_method", deleted: true })
}
