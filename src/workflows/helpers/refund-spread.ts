/**
 * Pure money logic of the automatic refund on a received return: how much the order owes, whether the return
 * is completely received, and how that amount is spread over the order's payments. MathBN only: money is never
 * turned into a JS number. Unit-tested in __tests__/refund-spread.spec.ts.
 */
import { BigNumberInput } from "@medusajs/framework/types"
import { MathBN } from "@medusajs/framework/utils"
import { normalizeAmount } from "../../providers/paymentoptions/money"

/** A decimal string without float noise (BigNumber's own toFixed() prints every significant digit). */
function str(value: ReturnType<typeof MathBN.convert>): string {
  return value.toFixed()
}

function big(value: BigNumberInput | null | undefined) {
  return MathBN.convert((value ?? 0) as BigNumberInput)
}

/**
 * What the order owes the customer: minus its summary's `pending_difference` when that is negative, else "0".
 * Medusa 2.21 lowers `pending_difference` when return items are received (not when they are requested), and
 * raises it again by every refund, so after a receipt it is exactly what is still owed back.
 */
export function amountOwed(pendingDifference: BigNumberInput | null | undefined): string {
  const diff = big(pendingDifference)
  if (!diff.isFinite() || !MathBN.lt(diff, 0)) return "0"
  return str(MathBN.mult(diff, -1))
}

/** True when the amount would be zero once rounded to the currency's decimals (JPY 0.4 → 0). */
export function roundsToZero(amount: BigNumberInput, currencyCode: string): boolean {
  return MathBN.eq(normalizeAmount(amount, currencyCode), 0)
}

export interface SpreadPayment {
  id: string
  provider_id: string
  created_at: string | Date
  /** Sum of the payment's captures. */
  captured: BigNumberInput
  /** Sum of the payment's Medusa refund rows (pending gateway outcomes included: the money may have moved). */
  refunded: BigNumberInput
  canceled?: boolean
  /** Why this payment cannot take a refund now (e.g. an earlier refund with an unknown outcome), else null. */
  blocked?: string | null
}

export interface RefundAllocation {
  payment_id: string
  amount: string
}

export interface SkippedPayment {
  payment_id: string
  reason: string
  /** What could have been refunded on it (captured − refunded), as a decimal string. */
  refundable: string
}

export interface SpreadResult {
  allocations: RefundAllocation[]
  /** The part of `owed` that no allocation covers ("0" when everything is covered). */
  left: string
  skipped: SkippedPayment[]
}

/**
 * Spreads `owed` over the payments the provider may refund (`isOurs`), **oldest first** (created_at, then id),
 * each at most its remaining balance (captured − refunded). Other providers' payments, canceled payments,
 * blocked payments and payments with nothing left are skipped and listed. An allocation that would round to
 * zero in the currency is not made (it stays in `left`).
 */
export function spreadRefund(
  owed: BigNumberInput,
  payments: SpreadPayment[],
  currencyCode: string,
  isOurs: (payment: SpreadPayment) => boolean
): SpreadResult {
  let left = big(owed)
  if (!left.isFinite() || MathBN.lt(left, 0)) left = MathBN.convert(0)
  const ordered = [...payments].sort((a, b) => {
    const ta = new Date(a.created_at).getTime()
    const tb = new Date(b.created_at).getTime()
    if (ta !== tb) return ta - tb
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  })
  const allocations: RefundAllocation[] = []
  const skipped: SkippedPayment[] = []
  for (const payment of ordered) {
    const remaining = MathBN.sub(big(payment.captured), big(payment.refunded))
    const refundable = MathBN.lt(remaining, 0) ? MathBN.convert(0) : remaining
    const skip = (reason: string) => skipped.push({ payment_id: payment.id, reason, refundable: str(refundable) })
    if (!isOurs(payment)) {
      skip(`paid with ${payment.provider_id}: not refunded automatically`)
      continue
    }
    if (payment.canceled) {
      skip("canceled")
      continue
    }
    if (!MathBN.gt(refundable, 0)) {
      skip("nothing left to refund")
      continue
    }
    if (payment.blocked) {
      skip(payment.blocked)
      continue
    }
    if (!MathBN.gt(left, 0)) continue
    const amount = MathBN.lt(left, refundable) ? left : refundable
    if (roundsToZero(amount, currencyCode)) continue
    allocations.push({ payment_id: payment.id, amount: str(amount) })
    left = MathBN.sub(left, amount)
  }
  return { allocations, left: str(left), skipped }
}

export interface ReturnItemQuantity {
  item_id: string
  quantity: BigNumberInput
}

export interface ReturnChangeAction {
  action: string
  details?: { reference_id?: string; quantity?: BigNumberInput } | null
}

const RECEIVE_ACTIONS = new Set(["RECEIVE_RETURN_ITEM", "RECEIVE_DAMAGED_RETURN_ITEM"])

/**
 * Whether every item of the return has been received, counted from the receive actions of the return's
 * confirmed order changes. (Medusa 2.21 leaves a return received in several steps `partially_received` and
 * its items' `received_quantity` at the last step's quantity, so neither can be trusted for this.)
 */
export function returnFullyReceived(items: ReturnItemQuantity[], actions: ReturnChangeAction[]): boolean {
  if (!items.length) return false
  const received = new Map<string, ReturnType<typeof MathBN.convert>>()
  for (const action of actions) {
    if (!RECEIVE_ACTIONS.has(action.action)) continue
    const itemId = action.details?.reference_id
    if (!itemId) continue
    received.set(itemId, MathBN.add(received.get(itemId) ?? 0, big(action.details?.quantity)))
  }
  const wanted = new Map<string, ReturnType<typeof MathBN.convert>>()
  for (const item of items) wanted.set(item.item_id, MathBN.add(wanted.get(item.item_id) ?? 0, big(item.quantity)))
  for (const [itemId, quantity] of wanted) {
    if (MathBN.lt(received.get(itemId) ?? 0, quantity)) return false
  }
  return true
}
