import { BigNumberInput } from "@medusajs/framework/types"
import { MathBN, MedusaError } from "@medusajs/framework/utils"
import { OperationConflictError, OperationRecord } from "../../modules/paymentoptions/types"
import type { GatewayContext } from "./context"
import { PaymentOptionsError, toMedusaError } from "./errors"
import { envelopeFacts, errorFacts, isUnsettled, notes, pollStatus, settledPatch, statusOf } from "./gateway-ops"
import { BigNumber, currencyDecimals, fromUnits, normalizeAmount, plainValue, ROUND_HALF_UP, toUnits } from "./money"
import { PaymentOptionsData, RefundRecord, refundRecordOf, refundRecordStatus } from "./payment-data"
import { outcomeOf } from "./status"

/**
 * Refunds against the captured transaction, each logged before it is sent under `refund:<medusa refund id>`. The
 * database refuses a second unsettled refund on one transaction, so an unknown outcome blocks further refunds (they
 * could push the total past what was captured) until it is settled; it is never sent again.
 */

export interface RefundResult {
  record: RefundRecord
  /** Sum of the transaction's succeeded refunds, this one included when it succeeded. */
  refundedAmount: string
  /** Earlier refunds (by Medusa refund id) this call settled first: their ledger records changed too. */
  settled: Record<string, RefundRecord>
}

/** Asks Transaction Status about an unsettled refund that has a gateway id; sends nothing else. */
export async function settleRefundOperation(ctx: GatewayContext, op: OperationRecord): Promise<OperationRecord> {
  if (!isUnsettled(op) || !op.transaction_id) return op
  const envelope = await statusOf(ctx, op.transaction_id)
  if (!envelope) return op
  const patch = settledPatch(envelope)
  if (patch.status === "pending") return op.status === "pending" ? op : ctx.store.updateOperation(op.id, { status: "pending" })
  // An operator resolved it before the gateway could be asked: the gateway's final answer stands, and says so.
  const resolution = op.resolution as { status?: string } | null
  if (resolution && resolution.status !== (patch.status === "succeeded" ? "succeeded" : "failed")) {
    patch.resolution = { ...resolution, overridden_by_gateway: { status: patch.status, at: new Date().toISOString() } }
  }
  const settled = await ctx.store.updateOperation(op.id, patch)
  if (settled.status === "declined") {
    ctx.logger.warn(
      `PaymentOptions refund ${op.medusa_id ?? op.key} turned out declined at the gateway; Medusa still lists it as a refund. Reconcile it in the admin.`
    )
  }
  return settled
}

function blockedBy(op: OperationRecord): MedusaError {
  return new MedusaError(
    MedusaError.Types.NOT_ALLOWED,
    `PaymentOptions: refund ${op.medusa_id ?? op.key} on this payment${op.transaction_id ? ` (gateway transaction ${op.transaction_id})` : ""} ` +
      "still has an unknown outcome at the gateway. Further refunds are refused until it is settled (Check now in the " +
      "order's PaymentOptions panel, or the PaymentOptions portal: its notes carry the Medusa refund id)."
  )
}

export async function refundTransaction(
  ctx: GatewayContext,
  data: PaymentOptionsData,
  requested: BigNumberInput,
  refundId: string
): Promise<RefundResult> {
  const transactionId = data.transaction_id
  if (!transactionId) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "PaymentOptions: this payment has no captured PaymentOptions transaction; capture it before refunding."
    )
  }
  const currencyCode = String(data.currency_code ?? "").toLowerCase()
  const decimals = currencyDecimals(currencyCode)
  const key = `refund:${refundId}`

  const known = await ctx.store.findOperation(key)
  if (known) return replay(ctx, transactionId, await settleRefundOperation(ctx, known))

  // Plain amounts (the usual case) are checked in whole units of the currency without BigNumber; any other amount,
  // and every refusal, takes the BigNumber path (refundableAfter) with its messages.
  const requestedUnits = toUnits(plainValue(requested), decimals)
  const exact = requestedUnits !== undefined && requestedUnits > 0 ? undefined : MathBN.convert(requested)
  if (exact && (!exact.isFinite() || !exact.isGreaterThan(0))) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions: a refund must be a positive amount of ${currencyCode.toUpperCase()}.`)
  }
  const amount = exact ? exact.toFixed(decimals, ROUND_HALF_UP) : fromUnits(requestedUnits!, decimals)

  let totals = await ctx.store.refundTotals(transactionId)
  const settled: Record<string, RefundRecord> = {}
  if (totals.open.length) {
    for (const op of totals.open) {
      const after = await settleRefundOperation(ctx, op)
      if (op.medusa_id && (after.status !== op.status || after.transaction_id !== op.transaction_id)) settled[op.medusa_id] = refundRecordOf(after)
    }
    totals = await ctx.store.refundTotals(transactionId)
    if (totals.open.length) throw blockedBy(totals.open[0])
  }
  // A request finer than the currency is only the whole remaining balance of Medusa's own books (its exact captured
  // amount, `medusa_amount`, less what it asked to refund before); anything else would leave Medusa and the gateway apart.
  const medusaRemaining =
    exact && !exact.isEqualTo(amount) ? await medusaRemainingOf(ctx, data, transactionId) : undefined
  const capturedUnits = toUnits(data.amount, decimals)
  const refundedUnits = toUnits(totals.succeeded, decimals)
  // The succeeded total once this refund succeeds.
  const refundedAfter =
    !exact && capturedUnits !== undefined && refundedUnits !== undefined && requestedUnits! <= capturedUnits - refundedUnits
      ? fromUnits(refundedUnits + requestedUnits!, decimals)
      : refundableAfter(exact ?? MathBN.convert(requested), amount, data, totals.succeeded, currencyCode, decimals, transactionId, medusaRemaining)

  let operation: OperationRecord
  try {
    const begun = await ctx.store.beginOperation({
      key,
      kind: "refund",
      provider_id: ctx.providerId,
      session_id: data.session_id ?? data.merchant_txn_ref ?? transactionId,
      medusa_id: refundId,
      parent_transaction_id: transactionId,
      amount,
      requested_amount: exact ? exact.toFixed() : amount,
      currency_code: currencyCode,
    })
    if (!begun.created) return replay(ctx, transactionId, begun.operation)
    operation = begun.operation
  } catch (error) {
    if (error instanceof OperationConflictError) throw blockedBy(error.blocking)
    throw error
  }

  try {
    const envelope = await ctx.client.refund({
      transactionId,
      amount,
      merchant_id: ctx.options.merchantId,
      notes: notes("Medusa refund", refundId),
    })
    const patch = envelopeFacts(envelope)
    patch.status = "succeeded"
    patch.settled_at = new Date().toISOString()
    operation = await ctx.store.updateOperation(operation.id, patch)
  } catch (error) {
    if (!(error instanceof PaymentOptionsError) || error.kind !== "outcome_unknown") {
      const facts = error instanceof PaymentOptionsError ? errorFacts(error) : { message: (error as Error).message }
      await ctx.store.updateOperation(operation.id, { ...facts, status: "declined", settled_at: new Date().toISOString() })
      throw toMedusaError(error)
    }
    operation = await ctx.store.updateOperation(operation.id, { ...errorFacts(error), status: "unknown" })
    if (operation.transaction_id) {
      const envelope = await pollStatus(ctx, operation.transaction_id, ctx.options.refundSettleTimeoutMs)
      if (envelope && outcomeOf(envelope) !== "pending") operation = await ctx.store.updateOperation(operation.id, settledPatch(envelope))
    }
    if (operation.status === "declined") {
      // The gateway confirms nothing was refunded: fail, so Medusa drops its refund row.
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions refund was declined (${operation.code ?? "no code"}${operation.message ? `, "${operation.message}"` : ""}; transaction ${operation.transaction_id}).`
      )
    }
    if (operation.status !== "succeeded") {
      ctx.logger.warn(
        `PaymentOptions refund ${refundId} of ${amount} ${currencyCode.toUpperCase()} on transaction ${transactionId} has an unknown outcome ` +
          `(${error.message}); recorded as pending. It was NOT resent; further refunds on this payment are refused until it is settled.`
      )
    }
  }
  return {
    record: refundRecordOf(operation),
    refundedAmount: operation.status === "succeeded" ? refundedAfter : normalizeAmount(totals.succeeded, currencyCode),
    settled: ledgerInStep(data, totals.succeeded, decimals) ? settled : mergeRecords(await staleRecords(ctx, data, transactionId, refundId), settled),
  }
}

/** Medusa's exact captured amount less the exact amounts it asked to refund (succeeded refunds). */
async function medusaRemainingOf(ctx: GatewayContext, data: PaymentOptionsData, transactionId: string): Promise<string> {
  const ops = await ctx.store.operationsWhere({ parent_transaction_id: transactionId, kind: ["refund"] })
  const refunded = MathBN.sum(0, ...ops.filter((op) => op.status === "succeeded").map((op) => op.requested_amount ?? op.amount))
  return MathBN.sub(data.medusa_amount ?? data.amount ?? "0", refunded).toFixed()
}

/** `{ ...stale, ...settled }`: the records settled on the way win. */
function mergeRecords(stale: Record<string, RefundRecord>, settled: Record<string, RefundRecord>): Record<string, RefundRecord> {
  for (const id in settled) stale[id] = settled[id]
  return stale
}

/**
 * Checks a refund of `amount` (`exact` rounded to the currency) against what remains of the captured amount; returns
 * the succeeded total once it succeeds.
 */
function refundableAfter(
  exact: BigNumber,
  amount: string,
  data: PaymentOptionsData,
  succeeded: string,
  currencyCode: string,
  decimals: number,
  transactionId: string,
  medusaRemaining?: string
): string {
  const captured = normalizeAmount(data.amount, currencyCode, "captured amount")
  const refunded = MathBN.convert(succeeded)
  const remaining = MathBN.convert(captured).minus(refunded).toFixed(decimals, ROUND_HALF_UP)
  const rounded = MathBN.convert(amount)

  // More decimals than the currency has: only Medusa's whole remaining balance, sent as the gateway's whole remainder.
  const wholeBalance = amount === remaining && medusaRemaining !== undefined && exact.isEqualTo(medusaRemaining)
  if (!exact.isEqualTo(rounded) && !wholeBalance) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions: ${exact.toFixed()} ${currencyCode.toUpperCase()} has more decimals than ${currencyCode.toUpperCase()} allows (${decimals}); ` +
        `refund a whole amount of the currency, or exactly the remaining balance (${medusaRemaining ?? remaining}).`
    )
  }
  if (!rounded.isGreaterThan(0)) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions: a refund must be positive; got ${amount} ${currencyCode.toUpperCase()}.`)
  }
  if (rounded.isGreaterThan(remaining)) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions: cannot refund ${amount} ${currencyCode.toUpperCase()}; only ${remaining} remains refundable on transaction ${transactionId}.`
    )
  }
  return refunded.plus(rounded).toFixed(decimals, ROUND_HALF_UP)
}

/**
 * Whether the stored ledger's refunded total is the operation log's (before this refund): then no earlier record can
 * be stale in a way that matters, and the ledger is not read. Otherwise (e.g. the process stopped between settling a
 * refund and writing the ledger), the records that differ are returned with this refund.
 */
function ledgerInStep(data: PaymentOptionsData, succeeded: string, decimals: number): boolean {
  if (typeof data.refunded_amount !== "string") return !data.refunds || !Object.keys(data.refunds).length
  const stored = toUnits(data.refunded_amount, decimals)
  const logged = toUnits(succeeded, decimals)
  return stored !== undefined && logged !== undefined ? stored === logged : MathBN.eq(data.refunded_amount, succeeded)
}

/**
 * The transaction's other refunds whose ledger record (`data.refunds`) does not say what the operation log does.
 * Read only when the ledger's total is out of step (ledgerInStep), so its cost does not weigh on every refund.
 */
async function staleRecords(ctx: GatewayContext, data: PaymentOptionsData, transactionId: string, except: string): Promise<Record<string, RefundRecord>> {
  const ledger = (data.refunds ?? {}) as Record<string, RefundRecord>
  const stale: Record<string, RefundRecord> = {}
  for (const op of await ctx.store.operationsWhere({ parent_transaction_id: transactionId, kind: ["refund"] })) {
    if (!op.medusa_id || op.medusa_id === except) continue
    const status = refundRecordStatus(op)
    const known = ledger[op.medusa_id]
    const differs = known
      ? known.status !== status || known.transaction_id !== op.transaction_id || !sameResolution(known.resolution ?? null, op.resolution ? op.resolution : null)
      : status !== "failed"
    if (differs) stale[op.medusa_id] = refundRecordOf(op)
  }
  return stale
}

/** Whether two resolutions serialize alike (no resolution on either side: no serializing). */
function sameResolution(a: unknown, b: unknown): boolean {
  return (a === null && b === null) || JSON.stringify(a) === JSON.stringify(b)
}

async function replay(ctx: GatewayContext, transactionId: string, op: OperationRecord): Promise<RefundResult> {
  // The same Medusa refund again: report what happened to it; it is never sent a second time.
  if (op.status === "declined") {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `PaymentOptions refund ${op.medusa_id} was declined earlier (${op.code ?? "no code"}).`)
  }
  const totals = await ctx.store.refundTotals(transactionId)
  return { record: refundRecordOf(op), refundedAmount: normalizeAmount(totals.succeeded, op.currency_code), settled: {} }
}
