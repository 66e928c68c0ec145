import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { refundOrphanPaymentWorkflow } from "../../../../../../workflows/refund-orphan-payment"

/** POST /admin/paymentoptions/orphan-payments/:id/refund: refunds the sale (or releases the hold) once. */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const { result } = await refundOrphanPaymentWorkflow(req.scope).run({ input: { orphan_id: req.params.id, by: req.auth_context?.actor_id ?? null } })
  res.json(result)
}
