import type { IPaymentModuleService, Logger, MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import type { OperationRecord } from "../../modules/paymentoptions/types"
import { gatewayContextFor, GatewayContext, isPaymentOptionsProvider } from "../../providers/paymentoptions/context"
import { isUnsettled } from "../../providers/paymentoptions/gateway-ops"
import { normalizeAmount } from "../../providers/paymentoptions/money"
import { PaymentOptionsData, readPaymentData, RefundRecord, refundRecordOf } from "../../providers/paymentoptions/payment-data"
import { settleRefundOperation } from "../../providers/paymentoptions/refund"

/**
 * The refund ledger of a PaymentOptions payment (`payment.data.refunds`) kept in step with the operation log: every
 * refund the gateway was asked for, with its latest known outcome. Callers hold the payment's lock.
 */

export interface LedgerPayment {
  id: string
  provider_id: string
  currency_code: string
  data: PaymentOptionsData
  refunds: { id: string; amount: unknown; raw_amount?: unknown; created_at?: unknown }[]
}

export interface SettleResult {
  payment_id: string
  /** Medusa refund ids whose ledger record changed now. */
  changed: string[]
  /** Unsettled refunds the gateway cannot be asked about (no gateway id): an operator resolves them. */
  needs_operator: string[]
  /** Medusa refund rows the gateway was never recorded as asked about (a crash before the provider ran). */
  unrecorded: string[]
  refunds: Record<string, RefundRecord>
  refunded_amount: string
}

export async function loadLedgerPayment(container: MedusaContainer, paymentId: string): Promise<LedgerPayment> {
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const payment = (await paymentModule.retrievePayment(paymentId, {
    select: ["id", "provider_id", "currency_code", "data"],
    relations: ["refunds"],
  })) as any
  if (!isPaymentOptionsProvider(payment.provider_id)) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `Payment ${paymentId} was made with ${payment.provider_id}, not PaymentOptions; there is nothing to reconcile here.`
    )
  }
  return { ...payment, data: readPaymentData(payment.data), refunds: payment.refunds ?? [] }
}

export function contextFor(container: MedusaContainer, payment: LedgerPayment): GatewayContext {
  return gatewayContextFor(payment.provider_id, container.resolve<Logger>(ContainerRegistrationKeys.LOGGER))
}

export async function refundOperationsOf(ctx: GatewayContext, payment: LedgerPayment): Promise<OperationRecord[]> {
  if (!payment.data.transaction_id) return []
  return ctx.store.operationsWhere({ parent_transaction_id: payment.data.transaction_id, kind: ["refund"] })
}

function sameRecord(a: RefundRecord | undefined, b: RefundRecord): boolean {
  return (
    !!a &&
    a.status === b.status &&
    a.transaction_id === b.transaction_id &&
    a.ref === b.ref &&
    JSON.stringify(a.resolution ?? null) === JSON.stringify(b.resolution ?? null)
  )
}

/**
 * Asks Transaction Status about the payment's unsettled refunds (never sends a refund) and writes the ledger
 * records that differ from the operation log, plus the derived `refunded_amount`: only the keys that changed
 * (Medusa deep-merges `data`), so a concurrent writer's records are never set back.
 */
export async function settleAndSyncLedger(container: MedusaContainer, paymentId: string, opts: { settle?: boolean } = {}): Promise<SettleResult> {
  const payment = await loadLedgerPayment(container, paymentId)
  const ctx = contextFor(container, payment)
  let ops = await refundOperationsOf(ctx, payment)
  if (opts.settle !== false) {
    const settled: OperationRecord[] = []
    for (const op of ops) settled.push(isUnsettled(op) && op.transaction_id ? await settleRefundOperation(ctx, op) : op)
    ops = settled
  }
  const ledger = (payment.data.refunds ?? {}) as Record<string, RefundRecord>
  const changed: Record<string, RefundRecord> = {}
  for (const op of ops) {
    if (!op.medusa_id) continue
    const record = refundRecordOf(op)
    if (!sameRecord(ledger[op.medusa_id], record)) changed[op.medusa_id] = record
  }
  const currency = payment.data.currency_code ?? payment.currency_code
  const totals = payment.data.transaction_id ? await ctx.store.refundTotals(payment.data.transaction_id) : { succeeded: "0", open: [] }
  const refundedAmount = normalizeAmount(totals.succeeded, currency)
  if (Object.keys(changed).length || payment.data.refunded_amount !== refundedAmount) {
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    await paymentModule.updatePayment({ id: payment.id, data: { refunds: changed, refunded_amount: refundedAmount } } as any)
  }
  const refunds = { ...ledger, ...changed }
  const known = new Set(ops.map((op) => op.medusa_id))
  return {
    payment_id: payment.id,
    changed: Object.keys(changed),
    needs_operator: ops.filter((op) => isUnsettled(op) && !op.transaction_id).map((op) => op.medusa_id ?? op.key),
    unrecorded: payment.refunds.map((r) => r.id).filter((id) => !known.has(id) && !ledger[id]),
    refunds,
    refunded_amount: refundedAmount,
  }
}
