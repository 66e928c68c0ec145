import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { PAYMENTOPTIONS_MODULE } from "../../../../modules/paymentoptions"
import type PaymentOptionsModuleService from "../../../../modules/paymentoptions/service"

/** GET /admin/paymentoptions/orphan-payments: money the gateway took for payment sessions that lead to no order. */
export const GET = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const module = req.scope.resolve<PaymentOptionsModuleService>(PAYMENTOPTIONS_MODULE)
  const rows = await module.listOrphanPayments({}, { order: { created_at: "DESC" }, take: 200 })
  res.json({ orphan_payments: rows.map((row: any) => module.toOrphan(row)) })
}
