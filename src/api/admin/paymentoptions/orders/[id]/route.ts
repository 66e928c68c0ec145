import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { paymentOptionsOrderView } from "../../../../../workflows/helpers/order-view"

/**
 * GET /admin/paymentoptions/orders/:id: the order page panel's data (each PaymentOptions payment's refund ledger
 * with its derived refunded total, the order's return-refund claims, a cancel shortfall).
 */
export const GET = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  res.json({ order: await paymentOptionsOrderView(req.scope, req.params.id) })
}
