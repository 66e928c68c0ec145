import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { z } from "zod"
import { answering, parseOrThrow } from "../../../../lib/admin-http"
import { listPendingRefunds } from "../../../../lib/reconciliation"

const querySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
})

/**
 * GET /admin/paymentoptions/pending-refunds?limit=&offset=
 * PaymentOptions payments with a refund whose outcome is still unknown (oldest payment first).
 * → { payments: [{ payment_id, order_id, currency_code, transaction_id, pending: [{ refund_id, ...record }] }], count, limit, offset }
 */
export const GET = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  await answering(res, async () => {
    const { limit, offset } = parseOrThrow(querySchema, { limit: req.query.limit, offset: req.query.offset }, "query")
    return listPendingRefunds(req.scope, limit, offset)
  })
}
