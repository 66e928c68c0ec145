import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { markRefundPaidBackWorkflow } from "../../../../../../../../workflows/mark-refund-paid-back"
import type { AdminRefundPaidBackType } from "../../../../../validators"

/**
 * POST /admin/paymentoptions/payments/:id/refunds/:refund_id/paid-back  { note }
 * Records that an operator paid a failed-but-booked refund back outside Medusa (reconciliation's
 * `refund_failed_booked`); it is then no longer listed.
 */
export const POST = async (req: AuthenticatedMedusaRequest<AdminRefundPaidBackType>, res: MedusaResponse) => {
  const { result } = await markRefundPaidBackWorkflow(req.scope).run({
    input: { payment_id: req.params.id, refund_id: req.params.refund_id, note: req.validatedBody.note, by: req.auth_context?.actor_id ?? null },
  })
  res.json(result)
}
