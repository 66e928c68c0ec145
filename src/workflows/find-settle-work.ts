import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { PAYMENTOPTIONS_MODULE } from "../modules/paymentoptions"
import type PaymentOptionsModuleService from "../modules/paymentoptions/service"
import { UNSETTLED } from "../modules/paymentoptions/types"
import { providersWhere } from "../providers/paymentoptions/context"

export type SettleWork = { payment_ids: string[]; waiting_returns: string[]; orphans_to_refund: string[] }

/**
 * What the scheduled job has to do: payments with a refund the gateway can be asked about (it has a gateway id),
 * return refunds waiting for such a refund, and orphan payments to refund when `refundOrphanedPayments` is on.
 */
export const findSettleWorkStep = createStep("paymentoptions-find-settle-work", async (input: { limit: number }, { container }) => {
  const module = container.resolve<PaymentOptionsModuleService>(PAYMENTOPTIONS_MODULE)
  const ops = await module.listOperations({ kind: "refund", status: [...UNSETTLED], transaction_id: { $ne: null } } as any, {
    order: { updated_at: "ASC" },
    take: input.limit,
  })
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const sessions = [...new Set(ops.map((op: any) => op.session_id as string))]
  const { data: payments } = sessions.length
    ? await query.graph({ entity: "payment", fields: ["id", "payment_session_id"], filters: { payment_session_id: sessions } })
    : { data: [] as any[] }
  const waiting = await module.listReturnRefunds({ status: "waiting" } as any, { take: input.limit })
  const auto = providersWhere((o) => o.refundOrphanedPayments)
  const orphans = auto.length ? await module.listOrphanPayments({ status: "open", provider_id: auto } as any, { take: input.limit, order: { created_at: "ASC" } }) : []
  return new StepResponse<SettleWork>({
    payment_ids: payments.map((p: any) => p.id),
    waiting_returns: waiting.map((c: any) => c.return_id),
    orphans_to_refund: orphans.map((o: any) => o.id),
  })
})

export const findSettleWorkWorkflow = createWorkflow("paymentoptions-find-settle-work", (input: { limit: number }) => {
  return new WorkflowResponse(findSettleWorkStep(input))
})
