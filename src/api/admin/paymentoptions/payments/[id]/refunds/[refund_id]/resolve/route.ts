import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { resolveRefundWorkflow } from "../../../../../../../../workflows/resolve-refund"
import type { AdminResolveRefundType } from "../../../../../validators"

/**
 * POST /admin/paymentoptions/payments/:id/refunds/:refund_id/resolve  { status: "succeeded" | "failed", note }
 * An operator's outcome for a refund the gateway cannot tell about (checked in the PaymentOptions portal). A refund
 * the gateway knows is settled from the gateway instead, never overridden.
 */
export const POST = async (req: AuthenticatedMedusaRequest<AdminResolveRefundType>, res: MedusaResponse) => {
  const { result } = await resolveRefundWorkflow(req.scope).run({
    input: {
      payment_id: req.params.id,
      refund_id: req.params.refund_id,
      status: req.validatedBody.status,
      note: req.validatedBody.note,
      by: req.auth_context?.actor_id ?? null,
    },
  })
  res.json(result)
}
