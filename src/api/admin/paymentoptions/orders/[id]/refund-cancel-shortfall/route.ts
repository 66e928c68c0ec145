import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { refundCancelShortfallWorkflow } from "../../../../../../workflows/refund-cancel-shortfall"

/** POST /admin/paymentoptions/orders/:id/refund-cancel-shortfall: refunds what the order's cancel booked but did not refund. */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const { result } = await refundCancelShortfallWorkflow(req.scope).run({ input: { order_id: req.params.id, by: req.auth_context?.actor_id ?? null } })
  res.json(result)
}
