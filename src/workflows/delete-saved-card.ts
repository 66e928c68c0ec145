import type { IPaymentModuleService } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { isPaymentOptionsProvider } from "../providers/paymentoptions/context"

export type DeleteSavedCardInput = { payment_method_id: string; customer_id: string }

/** Deletes one of the customer's saved cards through the payment module (the provider checks the owner). */
export const deleteSavedCardStep = createStep("paymentoptions-delete-saved-card", async (input: DeleteSavedCardInput, { container }) => {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [customer],
  } = await query.graph({ entity: "customer", fields: ["id", "account_holders.*"], filters: { id: input.customer_id } })
  const holders = (customer?.account_holders ?? []).filter((h: any) => h && isPaymentOptionsProvider(h.provider_id))
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  for (const holder of holders) {
    // Asked first: deletePaymentMethods turns the provider's NOT_FOUND into a plain Error (promiseAll aggregateErrors).
    const owned = await paymentModule.listPaymentMethods({ provider_id: holder.provider_id, context: { account_holder: holder } } as any)
    if (!(owned as { id: string }[]).some((m) => m.id === input.payment_method_id)) continue
    await paymentModule.deletePaymentMethods({ id: input.payment_method_id, provider_id: holder.provider_id, context: { account_holder: holder } } as any)
    return new StepResponse({ id: input.payment_method_id, deleted: true })
  }
  throw new MedusaError(MedusaError.Types.NOT_FOUND, `No saved card ${input.payment_method_id} for this customer.`)
})

export const deleteSavedCardWorkflow = createWorkflow("paymentoptions-delete-saved-card", (input: DeleteSavedCardInput) => {
  return new WorkflowResponse(deleteSavedCardStep(input))
})
