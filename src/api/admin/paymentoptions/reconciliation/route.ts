import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { reconciliationReport } from "../../../../workflows/helpers/reconciliation-report"
import type { AdminReconciliationQueryType } from "../validators"

/**
 * GET /admin/paymentoptions/reconciliation?days=90&limit=200
 * Every disagreement between Medusa's books and the gateway the plugin can see, each with the action that fixes it:
 * refunds with an unknown outcome, Medusa refund rows the ledger lacks, card payments/captures with an unknown
 * outcome, return refunds that did not finish, canceled orders whose booked refunds were not made, orphan payments.
 * → { items: [{ kind, payment_id, order_id, refund_id, amount, currency_code, transaction_id, since, detail, action }], count }
 */
export const GET = async (req: AuthenticatedMedusaRequest<unknown, AdminReconciliationQueryType>, res: MedusaResponse) => {
  const { days, limit } = req.validatedQuery as AdminReconciliationQueryType
  const items = await reconciliationReport(req.scope, { days, limit })
  res.json({ items, count: items.length })
}
