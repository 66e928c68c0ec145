import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { listOrphanPaymentsWorkflow } from "../../../../workflows/list-orphan-payments"

/** GET /admin/paymentoptions/orphan-payments: money the gateway took for payment sessions that lead to no order. */
export const GET = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const { result } = await listOrphanPaymentsWorkflow(req.scope).run({ input: { limit: 200 } })
  res.json({ orphan_payments: result })
}
