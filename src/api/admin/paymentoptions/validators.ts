import { z } from "@medusajs/framework/zod"

/** POST /admin/paymentoptions/payments/:id/refunds/:refund_id/resolve */
export const AdminResolveRefund = z
  .object({
    status: z.enum(["succeeded", "failed"]),
    note: z.string().trim().min(1).max(500),
  })
  .strict()
export type AdminResolveRefundType = z.infer<typeof AdminResolveRefund>

/** POST /admin/paymentoptions/payments/:id/refunds/:refund_id/paid-back */
export const AdminRefundPaidBack = z.object({ note: z.string().trim().min(1).max(500) }).strict()
export type AdminRefundPaidBackType = z.infer<typeof AdminRefundPaidBack>

/** GET /admin/paymentoptions/reconciliation */
export const AdminReconciliationQuery = z
  .object({
    days: z.coerce.number().int().min(1).max(3650).default(90),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict()
export type AdminReconciliationQueryType = z.infer<typeof AdminReconciliationQuery>

/** Routes that take no body. */
export const AdminEmptyBody = z.object({}).strict()
