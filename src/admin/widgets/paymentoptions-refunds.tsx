/**
 * Order details → "PaymentOptions refunds": what GET /admin/paymentoptions/orders/:id returns for the order, on
 * Medusa's JS SDK and React Query (the dashboard's QueryClient):
 * - per PaymentOptions payment: gateway transaction id/ref, masked card, captured amount, refunded total (succeeded
 *   refunds), each refund (gateway ref and transaction id, status, amount, times, gateway message, resolution);
 *   refunds with an unknown outcome with "Check now" (POST …/payments/:id/settle), the ones the gateway cannot be
 *   asked about and Medusa refunds the ledger lacks with "Resolve" (POST …/refunds/:refund_id/resolve);
 * - the order's return refunds (in progress / waiting / failed / partial / succeeded), with a visible
 *   "Return refund in progress" while the plugin is refunding a return (the panel then refreshes by itself);
 * - a canceled order's refund that the cancel booked but the gateway did not make, with its one-click fix
 *   (POST …/orders/:id/refund-cancel-shortfall).
 * Amounts are formatted with the server's decimals (`currency_decimals`). Renders nothing for orders without a
 * PaymentOptions payment.
 */
import { defineWidgetConfig } from "@medusajs/admin-sdk"
import type { AdminOrder, DetailWidgetProps } from "@medusajs/framework/types"
import { Badge, Button, Container, Heading, Table, Text, Textarea, usePrompt } from "@medusajs/ui"
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useMemo, useState } from "react"
import { formatTime, maskedCardLabel, maskPans, moneyFormatter } from "../lib/format"
import {
  activeClaims,
  claimBadge,
  describeResolve,
  describeSettle,
  describeShortfallFix,
  hasPaymentOptionsPayment,
  isEmptyPanel,
  medusaRefundsOf,
  OrderPanel,
  orderPanel,
  orderPaymentsKey,
  PaymentPanel,
  refundBadgeColor,
  RefundRow,
  ReturnRefundClaim,
  UnrecordedRefund,
} from "../lib/refunds"
import { sdk } from "../lib/sdk"

type Money = ReturnType<typeof moneyFormatter>

/** The widget's queries; mutations invalidate this prefix. */
const panelKey = (orderId: string) => ["paymentoptions", "order", orderId] as const
/** The dashboard's order queries (its query-key factory: ["orders", "detail", id, …]). */
const DASHBOARD_ORDERS_KEY = ["orders"] as const
/** While a return refund is in progress the panel asks again this often. */
const ACTIVE_POLL_MS = 3000

const api = {
  order: (orderId: string) => sdk.client.fetch<{ order: unknown }>(`/admin/paymentoptions/orders/${encodeURIComponent(orderId)}`),
  settle: (paymentId: string) =>
    sdk.client.fetch<unknown>(`/admin/paymentoptions/payments/${encodeURIComponent(paymentId)}/settle`, { method: "POST", body: {} }),
  resolve: (paymentId: string, refundId: string, body: { status: "succeeded" | "failed"; note: string }) =>
    sdk.client.fetch<unknown>(
      `/admin/paymentoptions/payments/${encodeURIComponent(paymentId)}/refunds/${encodeURIComponent(refundId)}/resolve`,
      { method: "POST", body }
    ),
  refundCancelShortfall: (orderId: string) =>
    sdk.client.fetch<unknown>(`/admin/paymentoptions/orders/${encodeURIComponent(orderId)}/refund-cancel-shortfall`, {
      method: "POST",
      body: {},
    }),
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e))

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

const ResolveForm = ({ orderId, paymentId, refundId }: { orderId: string; paymentId: string; refundId: string }) => {
  const queryClient = useQueryClient()
  const [note, setNote] = useState("")
  const resolve = useMutation({
    mutationFn: (status: "succeeded" | "failed") => api.resolve(paymentId, refundId, { status, note: note.trim() }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: panelKey(orderId) }),
  })
  return (
    <div className="flex flex-col gap-y-2 px-6 py-3" data-testid={`po-resolve-${refundId}`}>
      <Text size="small" leading="compact">
        Look for "Medusa refund {refundId}" in the PaymentOptions portal, then record what it shows.
      </Text>
      <Textarea
        placeholder="What the portal shows (required)"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        data-testid="po-resolve-note"
      />
      <div className="flex gap-x-2">
        <Button
          size="small"
          variant="secondary"
          disabled={!note.trim() || resolve.isPending}
          isLoading={resolve.isPending && resolve.variables === "succeeded"}
          onClick={() => resolve.mutate("succeeded")}
          data-testid="po-resolve-succeeded"
        >
          Refunded at the gateway
        </Button>
        <Button
          size="small"
          variant="secondary"
          disabled={!note.trim() || resolve.isPending}
          isLoading={resolve.isPending && resolve.variables === "failed"}
          onClick={() => resolve.mutate("failed")}
          data-testid="po-resolve-failed"
        >
          Not refunded
        </Button>
      </div>
      {(resolve.isSuccess || resolve.isError) && (
        <Text size="small" className={resolve.isError ? "text-ui-fg-error" : undefined} data-testid="po-resolve-result">
          {resolve.isError ? `Could not resolve: ${errorText(resolve.error)}` : describeResolve(refundId, resolve.data)}
        </Text>
      )}
    </div>
  )
}

const RefundTableRow = ({
  refund,
  money,
  onResolve,
}: {
  refund: RefundRow
  money: Money
  onResolve: (() => void) | null
}) => {
  const message = [refund.code, refund.message].filter(Boolean).join(" · ")
  return (
    <Table.Row data-testid={`po-refund-${refund.id}`} data-status={refund.status}>
      <Table.Cell>
        <div className="font-mono" data-testid="po-refund-ref">
          {refund.ref ?? "—"}
        </div>
        <div className="text-ui-fg-muted text-xs">{refund.id}</div>
        {refund.transaction_id && (
          <div className="text-ui-fg-muted break-all font-mono text-xs" data-testid="po-refund-transaction-id">
            {refund.transaction_id}
          </div>
        )}
      </Table.Cell>
      <Table.Cell>
        <Badge size="2xsmall" color={refundBadgeColor(refund.status)} data-testid="po-refund-status">
          {refund.status}
        </Badge>
      </Table.Cell>
      <Table.Cell className="text-right" data-testid="po-refund-amount">
        {money(refund.amount, refund.currency_code)}
      </Table.Cell>
      <Table.Cell className="min-w-[104px]">
        <div>{formatTime(refund.created_at)}</div>
        {refund.settled_at && <div className="text-ui-fg-muted text-xs">settled {formatTime(refund.settled_at)}</div>}
      </Table.Cell>
      <Table.Cell className="whitespace-normal py-2">
        <div data-testid="po-refund-message">{message ? maskPans(message) : "—"}</div>
        {refund.resolution && (
          <div className="text-ui-fg-muted text-xs" data-testid="po-refund-resolution">
            resolved{refund.resolution.by ? ` by ${refund.resolution.by}` : ""}
            {refund.resolution.at ? ` at ${formatTime(refund.resolution.at)}` : ""}
            {refund.resolution.note ? `: ${maskPans(refund.resolution.note)}` : ""}
          </div>
        )}
        {onResolve && (
          <Button size="small" variant="transparent" className="mt-1" onClick={onResolve} data-testid="po-resolve-open">
            Resolve…
          </Button>
        )}
      </Table.Cell>
    </Table.Row>
  )
}

const UnrecordedFlag = ({
  refunds,
  money,
  currency,
  onResolve,
}: {
  refunds: UnrecordedRefund[]
  money: Money
  currency: string | null
  onResolve: (id: string) => void
}) => (
  <div className="bg-ui-tag-red-bg flex flex-col gap-y-1 px-6 py-3" data-testid="po-unrecorded">
    <Text size="small" leading="compact">
      {refunds.length === 1 ? "1 Medusa refund has" : `${refunds.length} Medusa refunds have`} no record of being sent to
      the gateway (the server stopped before it could tell). Check the PaymentOptions portal and resolve:
    </Text>
    {refunds.map((r) => (
      <div key={r.id} className="flex items-center justify-between gap-x-4" data-testid={`po-unrecorded-${r.id}`}>
        <Text size="small" leading="compact">
          <span className="font-mono">{r.id}</span> · {money(r.amount, currency)} · {formatTime(r.created_at)}
        </Text>
        <Button size="small" variant="secondary" onClick={() => onResolve(r.id)}>
          Resolve…
        </Button>
      </div>
    ))}
  </div>
)

const PaymentSection = ({ orderId, payment, money }: { orderId: string; payment: PaymentPanel; money: Money }) => {
  const queryClient = useQueryClient()
  const [resolving, setResolving] = useState<string | null>(null)
  const settle = useMutation({
    mutationFn: () => api.settle(payment.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: panelKey(orderId) }),
  })
  const askable = payment.pending.some((r) => !r.needs_operator)

  return (
    <div data-testid={`po-payment-${payment.id}`}>
      <div className="py-2">
        <Field label="Transaction id" value={payment.transaction_id ?? "—"} testId="po-transaction-id" mono />
        {payment.transaction_ref && <Field label="Transaction ref" value={payment.transaction_ref} testId="po-transaction-ref" mono />}
        <Field label="Card" value={maskedCardLabel(payment.card)} testId="po-card" />
        <Field label="Captured" value={money(payment.captured, payment.currency_code)} testId="po-captured" />
        <Field label="Refunded (succeeded)" value={money(payment.refunded_amount ?? "0", payment.currency_code)} testId="po-refunded" />
      </div>

      {payment.pending.length > 0 && (
        <div className="bg-ui-tag-orange-bg flex items-center justify-between gap-x-4 px-6 py-3" data-testid="po-pending-flag">
          <Text size="small" leading="compact">
            {payment.pending.length === 1
              ? "1 refund has an unknown outcome at the gateway."
              : `${payment.pending.length} refunds have an unknown outcome at the gateway.`}{" "}
            Further refunds on this payment are refused until it is settled.
            {!askable && " The gateway never named it: resolve it from the PaymentOptions portal."}
          </Text>
          <Button
            size="small"
            variant="secondary"
            className="shrink-0"
            onClick={() => settle.mutate()}
            isLoading={settle.isPending}
            data-testid="po-check-now"
          >
            Check now
          </Button>
        </div>
      )}
      {(settle.isSuccess || settle.isError) && (
        <Text size="small" className={`px-6 py-2${settle.isError ? " text-ui-fg-error" : ""}`} data-testid="po-settle-result">
          {settle.isError ? `Could not check: ${errorText(settle.error)}` : describeSettle(settle.data)}
        </Text>
      )}

      {payment.unrecorded.length > 0 && (
        <UnrecordedFlag refunds={payment.unrecorded} money={money} currency={payment.currency_code} onResolve={setResolving} />
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
              <RefundTableRow key={r.id} refund={r} money={money} onResolve={r.needs_operator ? () => setResolving(r.id) : null} />
            ))}
          </Table.Body>
        </Table>
      )}
      {resolving && <ResolveForm key={resolving} orderId={orderId} paymentId={payment.id} refundId={resolving} />}
    </div>
  )
}

const ReturnRefunds = ({ claims, money }: { claims: ReturnRefundClaim[]; money: Money }) => (
  <div data-testid="po-return-refunds">
    <div className="px-6 py-3">
      <Text size="small" leading="compact" weight="plus">
        Return refunds
      </Text>
    </div>
    <Table>
      <Table.Header>
        <Table.Row>
          <Table.HeaderCell>Return</Table.HeaderCell>
          <Table.HeaderCell>Status</Table.HeaderCell>
          <Table.HeaderCell className="text-right">Owed</Table.HeaderCell>
          <Table.HeaderCell>Refunds</Table.HeaderCell>
          <Table.HeaderCell>Time</Table.HeaderCell>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {claims.map((c) => {
          const badge = claimBadge(c.status)
          return (
            <Table.Row key={c.id} data-testid={`po-claim-${c.return_id ?? c.id}`} data-status={c.status}>
              <Table.Cell className="font-mono">{c.return_id ?? "—"}</Table.Cell>
              <Table.Cell>
                <Badge size="2xsmall" color={badge.color} data-testid="po-claim-status">
                  {badge.label}
                </Badge>
              </Table.Cell>
              <Table.Cell className="text-right">{money(c.owed, c.currency_code)}</Table.Cell>
              <Table.Cell className="whitespace-normal py-2">
                {c.refunds.length === 0 && !c.not_refunded && !c.error && "—"}
                {c.refunds.map((r, i) => (
                  <div key={r.refund_id ?? i}>
                    {money(r.amount, c.currency_code)} {r.status ?? ""}
                    {r.error ? ` · ${maskPans(r.error)}` : ""}
                  </div>
                ))}
                {c.not_refunded && (
                  <div className="text-ui-fg-error text-xs">
                    not refunded: {money(c.not_refunded.amount, c.currency_code)}
                    {c.not_refunded.reasons.length ? ` (${c.not_refunded.reasons.join("; ")})` : ""}
                  </div>
                )}
                {c.error && <div className="text-ui-fg-error text-xs">{maskPans(c.error)}</div>}
              </Table.Cell>
              <Table.Cell className="min-w-[104px]">
                <div>{formatTime(c.created_at)}</div>
                {c.finished_at && <div className="text-ui-fg-muted text-xs">finished {formatTime(c.finished_at)}</div>}
              </Table.Cell>
            </Table.Row>
          )
        })}
      </Table.Body>
    </Table>
  </div>
)

const CancelShortfall = ({ orderId, panel, money }: { orderId: string; panel: OrderPanel; money: Money }) => {
  const gap = panel.cancel_shortfall!
  const queryClient = useQueryClient()
  const prompt = usePrompt()
  const fix = useMutation({
    mutationFn: () => api.refundCancelShortfall(orderId),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: panelKey(orderId) }),
        queryClient.invalidateQueries({ queryKey: DASHBOARD_ORDERS_KEY }),
      ]),
  })
  const amount = money(gap.shortfall, gap.currency_code)
  const confirmAndFix = async () => {
    const ok = await prompt({
      title: `Refund ${amount}?`,
      description: `The cancel of this order booked ${money(gap.booked, gap.currency_code)} as refunded, but only ${money(gap.refunded, gap.currency_code)} was refunded. This refunds the ${amount} left on the card.`,
      confirmText: `Refund ${amount}`,
      cancelText: "Cancel",
    })
    if (ok) fix.mutate()
  }
  return (
    <div className="bg-ui-tag-red-bg flex flex-col gap-y-2 px-6 py-3" data-testid="po-cancel-shortfall">
      <div className="flex items-center justify-between gap-x-4">
        <Text size="small" leading="compact">
          The cancel booked {money(gap.booked, gap.currency_code)} as refunded, but the gateway refunded{" "}
          {money(gap.refunded, gap.currency_code)}: <span data-testid="po-shortfall-amount">{amount}</span> never reached
          the customer.
        </Text>
        <Button
          size="small"
          variant="secondary"
          className="shrink-0"
          onClick={confirmAndFix}
          isLoading={fix.isPending}
          data-testid="po-fix-shortfall"
        >
          Refund {amount}
        </Button>
      </div>
      {(fix.isSuccess || fix.isError) && (
        <Text size="small" className={fix.isError ? "text-ui-fg-error" : undefined} data-testid="po-shortfall-result">
          {fix.isError ? `Could not refund: ${errorText(fix.error)}` : describeShortfallFix(fix.data, gap.currency_code, money)}
        </Text>
      )}
    </div>
  )
}

const PaymentOptionsRefundsWidget = ({ data: order }: DetailWidgetProps<AdminOrder>) => {
  const enabled = hasPaymentOptionsPayment(order)
  // The admin's own Refund (and Capture) refetches the dashboard's order: the key changes and the panel reloads.
  const paymentsKey = orderPaymentsKey(order)
  const medusaRefunds = useMemo(() => medusaRefundsOf(order), [order])
  const query = useQuery({
    queryKey: [...panelKey(order.id), paymentsKey],
    queryFn: () => api.order(order.id),
    enabled,
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (activeClaims(orderPanel(q.state.data?.order)).length ? ACTIVE_POLL_MS : false),
  })
  const panel = useMemo(() => (query.data ? orderPanel(query.data.order, medusaRefunds) : null), [query.data, medusaRefunds])
  const money = useMemo(() => moneyFormatter(panel?.currency_decimals), [panel])

  if (!enabled || (panel && isEmptyPanel(panel))) return null
  const active = activeClaims(panel)

  return (
    <Container className="divide-y p-0" data-testid="po-refunds-widget">
      <div className="flex items-center justify-between px-6 py-4">
        <Heading level="h2">PaymentOptions refunds</Heading>
        {query.isFetching && panel && (
          <Text size="small" className="text-ui-fg-subtle">
            Refreshing…
          </Text>
        )}
      </div>
      {query.isError && (
        <Text size="small" className="text-ui-fg-error px-6 py-4" data-testid="po-error">
          {errorText(query.error)}
        </Text>
      )}
      {!panel && !query.isError && (
        <Text size="small" className="text-ui-fg-subtle px-6 py-4">
          Loading…
        </Text>
      )}
      {active.length > 0 && (
        <div className="bg-ui-tag-blue-bg px-6 py-3" data-testid="po-return-in-progress">
          <Text size="small" leading="compact" weight="plus">
            Return refund in progress
          </Text>
          <Text size="small" leading="compact">
            The plugin is refunding {active.length === 1 ? `return ${active[0].return_id ?? active[0].id}` : `${active.length} returns`}{" "}
            automatically ({active.map((c) => claimBadge(c.status).label).join(", ")}). It refunds what the order still
            owes, recomputed right before each refund, so a refund made by hand meanwhile is not paid twice
            {active.some((c) => c.status === "waiting") ? "; a waiting one continues once the unknown refund is settled" : ""}.
          </Text>
        </div>
      )}
      {panel?.cancel_shortfall && <CancelShortfall orderId={order.id} panel={panel} money={money} />}
      {panel?.payments.map((p) => <PaymentSection key={p.id} orderId={order.id} payment={p} money={money} />)}
      {panel && panel.return_refunds.length > 0 && <ReturnRefunds claims={panel.return_refunds} money={money} />}
    </Container>
  )
}

export const config = defineWidgetConfig({
  zone: "order.details.after",
})

export default PaymentOptionsRefundsWidget
