import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { answering } from "../../../../../../lib/admin-http"
import { settlePaymentRefunds } from "../../../../../../lib/reconciliation"

/**
 * POST /admin/paymentoptions/payments/:id/settle (no body)
 * Asks Transaction Status about the payment's pending refunds and saves what changed. Never sends a refund.
 * → { payment_id, changed, needs_operator, refunds, refunded_amount }; 404 unknown payment; 400 another provider's payment.
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  await answering(res, () => settlePaymentRefunds(req.scope, req.params.id))
}
