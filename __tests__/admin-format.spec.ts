import { defaultCurrencies } from "@medusajs/framework/utils"
import { formatAmount, formatTime, maskedCardLabel, maskPans, moneyFormatter, serverDecimals } from "../src/admin/lib/format"
import { currencyDecimals, normalizeAmount } from "../src/providers/paymentoptions/money"
import { currencyDecimalsOf } from "../src/workflows/helpers/order-view"

/** The digits of a formatted en-US amount: "¥1,235" → "1235", "KWD 1.235" → "1.235", "-$5.50" → "-5.50". */
const digitsOf = (formatted: string) => {
  const m = formatted.match(/(-?)\D*?(\d[\d,]*(?:\.\d+)?)/)
  return m ? `${m[1]}${m[2].replace(/,/g, "")}` : null
}

describe("admin widget: money formatting", () => {
  it("formats stored major-unit strings with the given decimals", () => {
    expect(formatAmount("1200", "jpy", 0)).toBe("¥1,200")
    expect(formatAmount("5000", "JPY", 0)).toBe("¥5,000")
    expect(formatAmount("5.5", "usd", 2)).toBe("$5.50")
    expect(formatAmount("1.235", "kwd", 3).replace(/\s/g, " ")).toBe("KWD 1.235") // Intl puts a no-break space after the code
    expect(formatAmount("0", "jpy", 0)).toBe("¥0")
    expect(formatAmount("-800", "jpy", 0)).toBe("-¥800")
  })

  it("uses the server's decimals, not the browser's (Intl gives AMD 2 decimals, Medusa 0)", () => {
    expect(formatAmount("1000", "amd", 0).replace(/\s/g, " ")).toBe("AMD 1,000")
    expect(formatAmount("1000", "usd", 3)).toBe("$1,000.000")
  })

  it("never goes through a float: large and long amounts stay exact", () => {
    expect(formatAmount("12345678901234567890", "jpy", 0)).toBe("¥12,345,678,901,234,567,890")
    expect(formatAmount("9007199254740993.01", "usd", 2)).toBe("$9,007,199,254,740,993.01")
    expect(formatAmount("0.1", "usd", 2)).toBe("$0.10")
  })

  it("shows digits beyond the currency's decimals instead of rounding them away", () => {
    expect(formatAmount("1.5", "jpy", 0)).toBe("¥1.5")
    expect(formatAmount("5.555", "usd", 2)).toBe("$5.555")
  })

  it("accepts Medusa's numeric amounts for display", () => {
    expect(formatAmount(5000, "jpy", 0)).toBe("¥5,000")
    expect(formatAmount(10.5, "usd", 2)).toBe("$10.50")
  })

  it("shows the value as it is when there are no decimals or nothing readable", () => {
    expect(formatAmount(undefined, "jpy", 0)).toBe("—")
    expect(formatAmount(null, "jpy", 0)).toBe("—")
    expect(formatAmount("", "jpy", 0)).toBe("—")
    expect(formatAmount("12abc", "jpy", 0)).toBe("12abc JPY")
    expect(formatAmount("1e3", "usd", 2)).toBe("1e3 USD")
    expect(formatAmount("100", null, 2)).toBe("100")
    expect(formatAmount("100", "??", 2)).toBe("100 ??")
    // No decimals from the server: never guessed.
    expect(formatAmount("100", "jpy", null)).toBe("100 JPY")
    expect(formatAmount("100", "jpy", undefined)).toBe("100 JPY")
    expect(formatAmount("100", "jpy", 1.5)).toBe("100 JPY")
  })

  it("formats in another locale", () => {
    expect(formatAmount("1200", "jpy", 0, "ja-JP")).toBe("￥1,200")
  })

  it("binds the server's currency_decimals", () => {
    const money = moneyFormatter({ jpy: 0, usd: 2, amd: 0 })
    expect(money("1200", "JPY")).toBe("¥1,200")
    expect(money("5.5", "usd")).toBe("$5.50")
    expect(money("700", "amd").replace(/\s/g, " ")).toBe("AMD 700")
    expect(money("5", "eur")).toBe("5 EUR") // the server gave no decimals for it
    expect(serverDecimals({ jpy: 0 }, "JPY")).toBe(0)
    expect(serverDecimals({ jpy: "0" }, "jpy")).toBeNull()
    expect(serverDecimals(null, "jpy")).toBeNull()
  })
})

describe("admin widget: decimals are the server's for every currency Medusa knows", () => {
  const codes = Object.keys(defaultCurrencies)
  const view = currencyDecimalsOf(codes)

  it("covers all of defaultCurrencies", () => {
    expect(codes.length).toBeGreaterThan(100)
    expect(Object.keys(view)).toHaveLength(codes.length)
  })

  it.each(codes)("%s: widget decimals == server decimals", (code) => {
    const server = currencyDecimals(code)
    expect(server).toBe(defaultCurrencies[code].decimal_digits)
    // What GET /admin/paymentoptions/orders/:id hands the widget.
    expect(view[code.toLowerCase()]).toBe(server)
    const money = moneyFormatter(view)
    // A whole amount shows exactly the server's decimals.
    const one = digitsOf(money("1", code))
    expect(one).toBe(server === 0 ? "1" : `1.${"0".repeat(server)}`)
    // An amount as the server stores it (normalised to its decimals) is shown digit for digit.
    for (const amount of ["1234.5678", "0.5", "-42"]) {
      const stored = normalizeAmount(amount, code)
      expect(digitsOf(money(stored, code))).toBe(stored)
    }
  })

  it("the browser's own table (Intl) disagrees for some (9 on Node 20), the widget does not", () => {
    const intl = (code: string) =>
      new Intl.NumberFormat("en-US", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits
    const differ = codes.filter((code) => intl(code) !== defaultCurrencies[code].decimal_digits).sort()
    // Node 20.20 (ICU 78.2): AMD, CRC, IRT, MNT, MUR, RSD, TZS, UZS, ZWL (0 in Medusa, 2 in Intl). Another ICU (a
    // browser's) may differ in others, which is why the widget never asks Intl for decimals.
    expect(differ.length).toBeGreaterThan(0)
    const money = moneyFormatter(view)
    for (const code of differ) {
      const intlDefault = new Intl.NumberFormat("en-US", { style: "currency", currency: code }).format(1)
      expect(digitsOf(money("1", code))).not.toBe(digitsOf(intlDefault))
    }
  })
})

describe("admin widget: time", () => {
  it("formats ISO timestamps in the given zone", () => {
    expect(formatTime("2026-11-28T03:04:05.000Z", { timeZone: "UTC" })).toBe("28 Nov 2026, 03:04:05")
    expect(formatTime("2026-11-28T03:04:05.000Z", { timeZone: "Asia/Tokyo" })).toBe("28 Nov 2026, 12:04:05")
  })

  it("keeps unreadable values", () => {
    expect(formatTime(null)).toBe("—")
    expect(formatTime("yesterday")).toBe("yesterday")
  })
})

describe("admin widget: card", () => {
  it("shows scheme, last four and expiry", () => {
    expect(maskedCardLabel({ scheme: "visa", last4: "1111", exp_month: "12", exp_year: "30" })).toBe("VISA •••• 1111 · 12/30")
    expect(maskedCardLabel({ scheme: "MASTERCARD", last4: "1005", exp_month: 3, exp_year: 2031 })).toBe("MASTERCARD •••• 1005 · 03/31")
  })

  it("never shows more than four digits, even if a full number was stored", () => {
    const label = maskedCardLabel({ scheme: "VISA", last4: "4111111111111111", exp_month: "12", exp_year: "30" })
    expect(label).toBe("VISA •••• 1111 · 12/30")
    expect(label).not.toContain("411111")
  })

  it("copes with missing parts", () => {
    expect(maskedCardLabel(null)).toBe("—")
    expect(maskedCardLabel({})).toBe("—")
    expect(maskedCardLabel({ scheme: "VISA", last4: null })).toBe("VISA")
    expect(maskedCardLabel({ last4: "12" , exp_month: "1", exp_year: "29"})).toBe("01/29")
  })

  it("masks card numbers in gateway messages", () => {
    // The shared masking keeps the separators, so the text keeps its shape.
    expect(maskPans("card 4111 1111 1111 1111 declined")).toBe("card •••• •••• •••• 1111 declined")
    expect(maskPans("card 4111111111111111 declined")).toBe("card ••••••••••••1111 declined")
    expect(maskPans("ref 74811 amount 1000")).toBe("ref 74811 amount 1000")
  })
})
