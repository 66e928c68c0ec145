import { z } from "@medusajs/framework/zod"

/** POST /store/paymentoptions/payment-methods */
export const StoreSaveCard = z.object({ payment_session_id: z.string().min(1).max(100) }).strict()
export type StoreSaveCardType = z.infer<typeof StoreSaveCard>
