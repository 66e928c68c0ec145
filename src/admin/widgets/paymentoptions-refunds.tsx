/**
 * Order details → "PaymentOptions refunds": every PaymentOptions payment of the order with its gateway
 * transaction ids, masked card, captured amount and each refund recorded in `payment.data.refunds`
 * (gateway ref, status, amount, time, gateway message). Refunds whose outcome is unknown are flagged,
 * with a button that asks the gateway now (POST /admin/paymentoptions/payments/:id/settle).
 *
 * Reads the standard admin API with the admin's session cookie; renders nothing for orders that have no
 * PaymentOptions payment.
 */
import { defineWidgetConfig } from "@medusajs/admin-sdk"
import type { AdminOrder, DetailWidgetProps } from "@medusajs/framework/types"
import { Badge, Button, Container, Heading, Table, Text } from "@medusajs/ui"
import { useCallback, useEffect, useState } from "react"
import { formatAmount, formatTime, maskedCardLabel, maskPans } from "../lib/format"
import {
  describeSettle,
  isPaymentOptionsPayment,
  paymentView,
  PaymentView,
  refundBadgeColor,
  RefundRow,
} from "../lib/refunds"

// Set by the admin's build (the backend URL when the admin is hosted elsewhere; "" when served by Medusa).
declare const __BACKEND_URL__: string | undefined
const BACKEND_URL = typeof __BACKEND_URL__ !== "undefined" && __BACKEND_URL__ ? __BACKEND_URL__.replace(/\/+$/, "") : ""

const PAYMENT_FIELDS = "+data,+provider_id,+currency_code,*refunds,*captures"

async function adminFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${BACKEND_URL}${path}`, {
    ...init,
    credentials: "include",
    headers: { accept: "application/json", ...(init.body ? { "content-type": "application/json" } : {}) },
  })
  const body = await res.json().catch(() => null)
  if (!res.ok) throw new Error(body?.message ?? `HTTP ${res.status} from ${path.split("?")[0]}`)
  return body as T
}

async function loadPayments(orderId: string): Promise<PaymentView[]> {
  const { order } = await adminFetch<{ order: any }>(
    `/admin/orders/${orderId}?fields=${encodeURIComponent("id,*payment_collections,*payment_collections.payments")}`
  )
  const ids: string[] = (order?.payment_collections ?? [])
    .flatMap((pc: any) => pc?.payments ?? [])
    .filter((p: any) => isPaymentOptionsPayment(p?.provider_id))
    .map((p: any) => p.id)
  const payments = await Promise.all(
    ids.map((id) =>
      adminFetch<{ payment: any }>(`/admin/payments/${id}?fields=${encodeURIComponent(PAYMENT_FIELDS)}`)
    )
  )
  return payments.map(({ payment }) => paymentView(payment))
}

const Field = ({ label, value, testId, mono }: { label: string; value: string; testId: string; mono?: boolean }) => (
  <div className="grid grid-cols-2 items-center px-6 py-2">
    <Text size="small" leading="compact" weight="plus">
      {label}
    </Text>
    <Text size="small" leading="compact" className={mono ? "break-all font-mono" : undefined} data-testid={testId}>
      {value}
    </Text>
  </div>
)

const RefundTableRow = ({ refund }: { refund: RefundRow }) => {
  const message = [refund.code, refund.message].filter(Boolean).join(" · ")
  return (
    <Table.Row data-testid={`po-refund-${refund.id}`} data-status={refund.status}>
      <Table.Cell>
        <div className="font-mono" data-testid="po-refund-ref">{refund.ref ?? "—"}</div>
        <div className="text-ui-fg-muted text-xs">{refund.id}</div>
      </Table.Cell>
      <Table.Cell>
        <Badge size="2xsmall" color={refundBadgeColor(refund.status)} data-testid="po-refund-status">
          {refund.status}
        </Badge>
      </Table.Cell>
      <Table.Cell className="text-right" data-testid="po-refund-amount">
        {formatAmount(refund.amount, refund.currency_code)}
      </Table.Cell>
      <Table.Cell className="min-w-[104px]">
        <div>{formatTime(refund.created_at)}</div>
        {refund.settled_at && <div className="text-ui-fg-muted text-xs">settled {formatTime(refund.settled_at)}</div>}
      </Table.Cell>
      <Table.Cell className="whitespace-normal py-2" data-testid="po-refund-message">
        {message ? maskPans(message) : "—"}
        {refund.resolution && (
          <div className="text-ui-fg-muted text-xs">
            resolved{refund.resolution.by ? ` by ${refund.resolution.by}` : ""}
            {refund.resolution.note ? `: ${refund.resolution.note}` : ""}
          </div>
        )}
      </Table.Cell>
    </Table.Row>
  )
}

const PaymentSection = ({ payment, onChanged }: { payment: PaymentView; onChanged: () => Promise<PaymentView[]> }) => {
  const [checking, setChecking] = useState(false)
  const [result, setResult] = useState<string | null>(null)

  const checkNow = async () => {
    setChecking(true)
    setResult(null)
    try {
      const res = await adminFetch<{ changed?: string[]; needs_operator?: string[] }>(`/admin/paymentoptions/payments/${payment.id}/settle`, {
        method: "POST",
        body: "{}",
      })
      const fresh = await onChanged()
      const rows = fresh.find((p) => p.id === payment.id)?.refunds ?? []
      setResult(describeSettle(res.changed ?? [], rows, res.needs_operator ?? []))
    } catch (e: any) {
      setResult(`Could not check: ${e?.message ?? e}`)
    } finally {
      setChecking(false)
    }
  }

  return (
    <div data-testid={`po-payment-${payment.id}`}>
      <div className="py-2">
        <Field label="Transaction id" value={payment.transaction_id ?? "—"} testId="po-transaction-id" mono />
        {payment.transaction_ref && (
          <Field label="Transaction ref" value={payment.transaction_ref} testId="po-transaction-ref" mono />
        )}
        {payment.authorization_id && (
          <Field label="Authorization id" value={payment.authorization_id} testId="po-authorization-id" mono />
        )}
        <Field label="Card" value={maskedCardLabel(payment.card)} testId="po-card" />
        <Field label="Captured" value={formatAmount(payment.amount, payment.currency_code)} testId="po-captured" />
        <Field
          label="Refunded (succeeded)"
          value={formatAmount(payment.refunded_amount ?? "0", payment.currency_code)}
          testId="po-refunded"
        />
      </div>

      {payment.pending.length > 0 && (
        <div
          className="bg-ui-tag-orange-bg flex items-center justify-between gap-x-4 px-6 py-3"
          data-testid="po-pending-flag"
        >
          <Text size="small" leading="compact">
            {payment.pending.length === 1
              ? "1 refund has an unknown outcome at the gateway."
              : `${payment.pending.length} refunds have an unknown outcome at the gateway.`}{" "}
            Further refunds on this payment are refused until it is settled.
          </Text>
          <Button
            size="small"
            variant="secondary"
            className="shrink-0"
            onClick={checkNow}
            isLoading={checking}
            data-testid="po-check-now"
          >
            Check now
          </Button>
        </div>
      )}
      {result && (
        <Text size="small" className="px-6 py-2" data-testid="po-settle-result">
          {result}
        </Text>
      )}

      {payment.refunds.length === 0 ? (
        <Text size="small" className="text-ui-fg-subtle px-6 py-4">
          No refunds yet.
        </Text>
      ) : (
        <Table>
          <Table.Header>
            <Table.Row>
              <Table.HeaderCell>Ref</Table.HeaderCell>
              <Table.HeaderCell>Status</Table.HeaderCell>
              <Table.HeaderCell className="text-right">Amount</Table.HeaderCell>
              <Table.HeaderCell>Time</Table.HeaderCell>
              <Table.HeaderCell>Gateway message</Table.HeaderCell>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {payment.refunds.map((r) => (
              <RefundTableRow key={r.id} refund={r} />
            ))}
          </Table.Body>
        </Table>
      )}
    </div>
  )
}

const PaymentOptionsRefundsWidget = ({ data: order }: DetailWidgetProps<AdminOrder>) => {
  const [payments, setPayments] = useState<PaymentView[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  const reload = useCallback(async () => {
    const fresh = await loadPayments(order.id)
    setPayments(fresh)
    setError(null)
    return fresh
  }, [order.id])

  // The admin's own Refund (and Capture) refetches the order: its payments' refund ids change, so reload.
  const paymentsKey = (order.payment_collections ?? [])
    .flatMap((pc) => pc.payments ?? [])
    .map((p) => [p.id, p.captured_at ?? "", ...(p.refunds ?? []).map((r) => r.id)].join(":"))
    .join(",")

  useEffect(() => {
    reload().catch((e) => setError(e?.message ?? String(e)))
  }, [reload, paymentsKey])

  if (payments && payments.length === 0) return null

  return (
    <Container className="divide-y p-0" data-testid="po-refunds-widget">
      <div className="flex items-center justify-between px-6 py-4">
        <Heading level="h2">PaymentOptions refunds</Heading>
      </div>
      {error && (
        <Text size="small" className="text-ui-fg-error px-6 py-4" data-testid="po-error">
          {error}
        </Text>
      )}
      {!payments && !error && (
        <Text size="small" className="text-ui-fg-subtle px-6 py-4">
          Loading…
        </Text>
      )}
      {payments?.map((p) => (
        <PaymentSection key={p.id} payment={p} onChanged={reload} />
      ))}
    </Container>
  )
}

export const config = defineWidgetConfig({
  zone: "order.details.after",
})

export default PaymentOptionsRefundsWidget
