import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { PAYMENTOPTIONS_MODULE } from "../modules/paymentoptions"
import type PaymentOptionsModuleService from "../modules/paymentoptions/service"
import { orderPaymentOfSession } from "./helpers/session-payment"

export type ListOrphanPaymentsInput = { statuses?: string[]; limit?: number }

/**
 * The orphan payments, newest first, without those an order's payment turned out to own (a session deleted by some
 * other path than the store's, after its order was placed): that money is the order's, refunded from the order.
 */
export const listOrphanPaymentsStep = createStep("paymentoptions-list-orphan-payments", async (input: ListOrphanPaymentsInput, { container }) => {
  const module = container.resolve<PaymentOptionsModuleService>(PAYMENTOPTIONS_MODULE)
  const rows = await module.listOrphanPayments(input.statuses ? ({ status: input.statuses } as any) : {}, {
    order: { created_at: "DESC" },
    take: input.limit ?? 200,
  })
  const orphans = []
  for (const orphan of rows.map((row: any) => module.toOrphan(row))) {
    const open = ["open", "refunding", "unknown"].includes(orphan.status)
    if (open && orphan.session_id && (await orderPaymentOfSession(container, orphan.session_id))) continue
    orphans.push(orphan)
  }
  return new StepResponse(orphans)
})

export const listOrphanPaymentsWorkflow = createWorkflow("paymentoptions-list-orphan-payments", (input: ListOrphanPaymentsInput) => {
  return new WorkflowResponse(listOrphanPaymentsStep(input))
})
