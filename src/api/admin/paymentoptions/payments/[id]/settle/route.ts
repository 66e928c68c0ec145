import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { settlePaymentRefundsWorkflow } from "../../../../../../workflows/settle-payment-refunds"

/**
 * POST /admin/paymentoptions/payments/:id/settle ("Check now", no body): asks Transaction Status about the payment's
 * refunds whose outcome is unknown and writes what changed. Never sends a refund.
 * → { payment_id, changed, needs_operator, unrecorded, refunds, refunded_amount }
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const { result } = await settlePaymentRefundsWorkflow(req.scope).run({ input: { payment_id: req.params.id } })
  res.json(result)
}
