// Self-contained HTML for the hosted payment page, usable by a person in a browser.
import { DECLINE_CARDS, DEFAULT_TEST_CARD } from "./cards"
import type { HppLink } from "./state"

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem}
main{max-width:26rem;margin:auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
label{display:block;margin:.6rem 0 .2rem;font-size:.9rem}input{width:100%;padding:.5rem;box-sizing:border-box}
.row{display:flex;gap:.5rem}.row>div{flex:1}button{margin-top:1rem;padding:.6rem 1rem;font-size:1rem}
.err{color:#b00020}.hint{color:#666;font-size:.8rem}`

export function layout(title: string, inner: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><main>${inner}</main></body></html>`
}

export function renderHppPage(link: HppLink, amount: string, error?: string): string {
  const action = `/hpp/${encodeURIComponent(link.code)}/pay`
  const declines = Object.keys(DECLINE_CARDS).join(", ")
  return layout(
    "Sandbox payment",
    `<h1>Pay ${esc(amount)} ${esc(link.currency)}</h1>
<p>Order <code>${esc(link.merchantTxnRef)}</code> — PaymentOptions sandbox (no real money).</p>
${error ? `<p class="err">${esc(error)}</p>` : ""}
<form method="post" action="${action}">
<label for="card_name">Name on card</label><input id="card_name" name="card_name" value="Sandbox Shopper" autocomplete="cc-name">
<label for="card_number">Card number</label><input id="card_number" name="card_number" value="${DEFAULT_TEST_CARD}" inputmode="numeric" autocomplete="cc-number">
<div class="row"><div><label for="exp_month">Exp. month</label><input id="exp_month" name="exp_month" value="12"></div>
<div><label for="exp_year">Exp. year</label><input id="exp_year" name="exp_year" value="30"></div>
<div><label for="cvc">CVC</label><input id="cvc" name="cvc" value="123"></div></div>
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form>
<p class="hint">Decline test cards: ${esc(declines)}</p>`,
  )
}

export function renderMessagePage(title: string, message: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p>`)
}
