import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { z } from "zod"
import { answering, parseOrThrow } from "../../../../../../../../lib/admin-http"
import { resolvePendingRefund } from "../../../../../../../../lib/reconciliation"

const bodySchema = z.strictObject({
  status: z.enum(["succeeded", "failed"]),
  note: z.string().trim().min(1).max(500),
})

/**
 * POST /admin/paymentoptions/payments/:id/refunds/:refund_id/resolve  { status: "succeeded" | "failed", note }
 * An operator's outcome for a pending refund the gateway cannot settle (checked in the PaymentOptions portal).
 * → like settle; 400 bad body or another provider's payment; 404 unknown payment/refund; 409 not pending.
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  await answering(res, async () => {
    const body = parseOrThrow(bodySchema, req.body, "body")
    return resolvePendingRefund(req.scope, {
      paymentId: req.params.id,
      refundId: req.params.refund_id,
      status: body.status,
      note: body.note,
      by: req.auth_context?.actor_id ?? null,
    })
  })
}
