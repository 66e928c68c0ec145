import { cardDigits, maskCard, maskPans } from "../src/providers/paymentoptions/masking"
import { maskPans as widgetMaskPans, maskedCardLabel } from "../src/admin/lib/format"

/** Test PANs that pass Luhn (Visa, Mastercard, Visa 3-D Secure, Amex 15, Visa, Discover). */
const VALID = ["4111111111111111", "5200000000001005", "4000000000001091", "378282246310005", "4242424242424242", "6011111111111117"]
/** The same numbers with the check digit off by one: not card numbers. */
const INVALID = ["4111111111111112", "5200000000001006", "4000000000001092", "378282246310006", "4242424242424243", "6011111111111118"]

function luhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}

const FULL_WIDTH = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))
const stars = (n: number) => "*".repeat(n)

/** A seeded generator (mulberry32): rand(n) is an integer in [0, n). */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296 * n) | 0
  }
}

describe("maskCard", () => {
  it("keeps scheme, last 4 and expiry only", () => {
    const masked = maskCard({ name: "TARO YAMADA", number: "5200000000001005", exp_month: "12", exp_year: "30" }, "MASTERCARD")
    expect(masked).toEqual({ scheme: "MASTERCARD", last4: "1005", exp_month: "12", exp_year: "30" })
    expect(JSON.stringify(masked)).not.toContain("520000")
    expect(JSON.stringify(masked)).not.toContain("TARO")
  })

  it("handles an already-masked or missing number", () => {
    expect(maskCard({ number: "545454******5454" }, "VISA")?.last4).toBe("5454")
    expect(maskCard({ number: null }, "VISA")?.last4).toBeNull()
    expect(maskCard(null, null)).toBeNull()
  })

  it("reads full-width digits and separators in the number field (last4 in ASCII)", () => {
    expect(maskCard({ number: "４１１１１１１１１１１１１２３４" }, "VISA")?.last4).toBe("1234")
    expect(maskCard({ number: "４１１１－１１１１－１１１１－１１１１" }, "VISA")?.last4).toBe("1111")
    expect(maskCard({ number: "4111 1111 1111 １００５" }, "VISA")?.last4).toBe("1005")
    expect(maskCard({ number: "５４５４５４＊＊＊＊＊＊５４５４" }, "MASTERCARD")?.last4).toBe("5454")
    expect(maskCard({ number: "１２３" }, "VISA")?.last4).toBeNull()
  })

  it("cardDigits keeps ASCII and full-width digits only", () => {
    expect(cardDigits("４１１１-1111 x")).toBe("41111111")
    expect(cardDigits(null)).toBe("")
    expect(cardDigits(1005)).toBe("1005")
  })
})

describe("maskPans: shapes of card numbers", () => {
  it("checks its own fixtures", () => {
    for (const pan of VALID) expect(luhn(pan)).toBe(true)
    for (const pan of INVALID) expect(luhn(pan)).toBe(false)
  })

  it("masks plain Luhn-valid 12-19 digit numbers, all but the last four", () => {
    for (const pan of VALID) {
      expect(maskPans(`card ${pan} declined`)).toBe(`card ${stars(pan.length - 4)}${pan.slice(-4)} declined`)
      expect(maskPans(pan)).toBe(`${stars(pan.length - 4)}${pan.slice(-4)}`)
    }
    // 12, 13 and 19 digits
    expect(luhn("100000000008")).toBe(true)
    expect(maskPans("x 100000000008 y")).toBe("x ********0008 y")
    expect(maskPans("4222222222222")).toBe("*********2222")
    expect(luhn("4111111111111111003")).toBe(true)
    expect(maskPans("4111111111111111003")).toBe(`${stars(15)}1003`)
  })

  it("masks numbers split by spaces, dashes and dots, keeping the separators", () => {
    expect(maskPans("card 4111 1111 1111 1111 declined")).toBe("card **** **** **** 1111 declined")
    expect(maskPans("5200-0000-0000-1005")).toBe("****-****-****-1005")
    expect(maskPans("4000.0000.0000.1091")).toBe("****.****.****.1091")
    expect(maskPans("Amex 3782 822463 10005.")).toBe("Amex **** ****** *0005.")
    expect(maskPans("4242-4242 4242.4242")).toBe("****-**** ****.4242")
    expect(maskPans("6011 1111 1111 1117")).toBe("**** **** **** 1117")
  })

  it("masks digits next to letters or _", () => {
    expect(maskPans("card4111111111111111x")).toBe("card************1111x")
    expect(maskPans("pan_4111111111111111")).toBe("pan_************1111")
    expect(maskPans("PAN=5200000000001005&cvv=123")).toBe("PAN=************1005&cvv=123")
    expect(maskPans("id:a4242424242424242b")).toBe("id:a************4242b")
    expect(maskPans("card_4111_1111_1111_1111")).toBe("card_4111_1111_1111_1111") // `_` joins nothing: 4-digit groups
  })

  it("masks full-width digits, mixed widths and full-width separators", () => {
    expect(maskPans("４１１１１１１１１１１１１１１１")).toBe("************１１１１")
    expect(maskPans("４１１１1111１１１１1111")).toBe("************1111")
    expect(maskPans("４１１１－１１１１－１１１１－１１１１")).toBe("****－****－****－１１１１")
    expect(maskPans("５２００．００００．００００．１００５")).toBe("****．****．****．１００５")
    expect(maskPans("４０００\u3000００００\u3000００００\u3000１０９１")).toBe("****\u3000****\u3000****\u3000１０９１")
    expect(maskPans("4242・4242・4242・4242")).toBe("****・****・****・4242")
    expect(maskPans("6011ー1111ー1111ー1117")).toBe("****ー****ー****ー1117")
    expect(maskPans("4111\u00a01111\u00a01111\u00a01111")).toBe("****\u00a0****\u00a0****\u00a01111")
    expect(maskPans(FULL_WIDTH("3782 822463 10005"))).toBe(`**** ****** *${FULL_WIDTH("0005")}`)
  })

  it("masks numbers inside Japanese text", () => {
    expect(maskPans("カード番号4111111111111111は無効です")).toBe("カード番号************1111は無効です")
    expect(maskPans("カード番号：４１１１－１１１１－１１１１－１１１１（有効期限12/30）")).toBe(
      "カード番号：****－****－****－１１１１（有効期限12/30）"
    )
    expect(maskPans("エラー：カード5200000000001005の認証に失敗しました。")).toBe("エラー：カード************1005の認証に失敗しました。")
  })

  it("masks several numbers in one text and keeps the text's length", () => {
    const text = `a ${VALID.join(", b ")} end`
    const masked = maskPans(text)
    expect(masked.length).toBe(text.length)
    for (const pan of VALID) {
      expect(masked).not.toContain(pan.slice(0, pan.length - 4))
      expect(masked).toContain(`${stars(pan.length - 4)}${pan.slice(-4)}`)
    }
  })

  it("finds a card number next to dates, order numbers or a CVV joined by separators", () => {
    expect(maskPans("2024-01-15 4111 1111 1111 1111 123")).toBe("2024-01-15 **** **** **** 1111 123")
    expect(maskPans("order 12345 4111111111111111")).toBe("order 12345 ************1111")
    expect(maskPans("4111-1111-1111-1111.")).toBe("****-****-****-1111.")
  })
})

describe("maskPans: what is not a card number", () => {
  it("leaves Luhn-invalid lookalikes alone, in every shape", () => {
    for (const pan of INVALID) {
      for (const text of [pan, `card ${pan} declined`, `pan_${pan}`, FULL_WIDTH(pan), `カード番号${pan}は無効です`, pan.replace(/(\d{4})(?=\d)/g, "$1 ")]) {
        expect(maskPans(text)).toBe(text)
      }
    }
  })

  it("leaves order ids, amounts, timestamps, phone numbers and UUIDs alone", () => {
    const texts = [
      "ref 74811 amount 1000",
      "order 202401151234 for ¥1,234,567",
      "at 20240115123457 (1705290000123 ms)",
      "tel +81-90-1234-5678, 03-1234-5678, 819012345678",
      "id 550e8400-e29b-41d4-a716-446655440000",
      "txn 123456789012, 2024-01-15 10:30:00, v1.2.3.4, 192.168.100.200",
      "amounts 1200 3400 5600 7800 9000",
      "000000000000 and 0000 0000 0000 0000", // zero-padded: no card number starts with 0
    ]
    for (const id of ["202401151234", "20240115123457", "1705290000123", "819012345678", "123456789012", "446655440000"]) {
      expect(luhn(id)).toBe(false)
    }
    for (const text of texts) expect(maskPans(text)).toBe(text)
  })

  it("leaves short digit groups joined by separators alone (every group but the last has 4+ digits)", () => {
    // 4-1-1-1-1-1-1-1-1-1-1-1-1 digits would be 4111111111111111, but not written as a card number is
    expect(maskPans("4111 1 1 1 1 1 1 1 1 1 1 1 1")).toBe("4111 1 1 1 1 1 1 1 1 1 1 1 1")
    expect(maskPans("41 1111 1111 1111 11")).toBe("41 1111 1111 1111 11")
  })

  it("handles empty and digit-free text", () => {
    expect(maskPans("")).toBe("")
    expect(maskPans("no digits here")).toBe("no digits here")
    expect(maskPans("1234")).toBe("1234")
  })
})

describe("maskPans: long runs", () => {
  // Decision: a run of more than 19 digits with no separator is an identifier and stays whole. Looking for a
  // Luhn-valid 12-19 digit window inside it would match almost every long id; gateways and logs do not glue a card
  // number to other digits without a separator.
  it("leaves a run of 20+ digits alone even when a card number is inside", () => {
    expect(maskPans("41111111111111110000")).toBe("41111111111111110000")
    expect(maskPans("txn 0000411111111111111100001234")).toBe("txn 0000411111111111111100001234")
    expect(maskPans(FULL_WIDTH("94111111111111111"))).toBe(FULL_WIDTH("94111111111111111")) // 17 digits, invalid as a whole
  })

  it("leaves long numeric ids alone although many of their windows pass Luhn", () => {
    const id = "2024011512345678901234567"
    let windows = 0
    for (let len = 12; len <= 19; len++) for (let i = 0; i + len <= id.length; i++) if (luhn(id.slice(i, i + len))) windows++
    expect(windows).toBeGreaterThan(0)
    expect(maskPans(`transaction ${id} failed`)).toBe(`transaction ${id} failed`)
  })

  it("still masks a card number separated from neighbouring digits", () => {
    expect(maskPans("41111111111111111 4111111111111111 0000")).toBe("41111111111111111 ************1111 0000")
    expect(maskPans("4111 1111 1111 1111 0000")).toBe("**** **** **** 1111 0000")
    expect(maskPans("12345678901234567890 4111111111111111")).toBe("12345678901234567890 ************1111")
  })
})

describe("maskPans: idempotence", () => {
  it("masking twice is masking once", () => {
    const texts = [
      "card 4111 1111 1111 1111 declined",
      "４１１１－１１１１－１１１１－１１１１",
      "カード番号4111111111111111は無効です",
      "3782 822463 10005 1234 5678",
      // after the first card number, its last four and the groups after it make a Luhn-valid 13 (1111123456786):
      // masked too, as a second pass would
      "4111111111111111 1234 5678 6",
      "already ************1111 and ****-****-****-1005",
    ]
    for (const text of texts) {
      const once = maskPans(text)
      expect(maskPans(once)).toBe(once)
    }
    expect(luhn("1111123456786")).toBe(true)
    expect(maskPans("4111111111111111 1234 5678 6")).toBe("**************** **** *678 6")
  })

  it("holds on random text of digits, separators, letters and card numbers; inserted card numbers never show", () => {
    const rand = random(12345)
    const failures: string[] = []
    const pieces = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "１", "７", " ", "-", ".", "－", "．", "\u3000", "ー", "x", "_", "カ", "*"]
    for (let round = 0; round < 2000; round++) {
      let text = ""
      const inserted: { at: number; length: number; pan: string }[] = []
      const len = 5 + rand(60)
      for (let i = 0; i < len; i++) {
        if (rand(12) === 0) {
          const pan = VALID[rand(VALID.length)]
          const shaped = rand(2) ? pan : pan.replace(/(\d{4})(?=\d)/g, `$1${[" ", "-", "．"][rand(3)]}`)
          const written = rand(2) ? shaped : FULL_WIDTH(shaped)
          inserted.push({ at: text.length + 1, length: written.length, pan })
          text += `z${written}z`
        } else text += pieces[rand(pieces.length)]
      }
      const once = maskPans(text)
      // collected, not expected one by one: thousands of expect() calls would make this test slow
      if (once.length !== text.length) failures.push(`length changed: ${JSON.stringify(text)}`)
      if (maskPans(once) !== once) failures.push(`not idempotent: ${JSON.stringify(text)}`)
      for (const { at, length, pan } of inserted) {
        const shown = cardDigits(once.slice(at, at + length))
        if (shown.length > 4 || !pan.endsWith(shown)) failures.push(`${pan} shows ${shown}: ${JSON.stringify(text)}`)
      }
    }
    expect(failures).toEqual([])
  })
})

describe("maskPans: against a brute-force reading of the rules", () => {
  const DIGIT = /[0-9０-９]/
  const SEPARATOR = /[ \u00a0\u2007\u2009\u202f\u3000\-\u2010-\u2015\u2212－ーｰ.．・･]/
  /** Every candidate of the rules, read slowly: [start, end) of each group joined. */
  function candidates(text: string): { start: number; end: number; digits: string }[] {
    const groups: { start: number; end: number }[] = []
    for (let i = 0; i < text.length; i++) {
      if (!DIGIT.test(text[i])) continue
      const start = i
      while (i < text.length && DIGIT.test(text[i])) i++
      groups.push({ start, end: i })
    }
    const found: { start: number; end: number; digits: string }[] = []
    for (let a = 0; a < groups.length; a++) {
      for (let b = a; b < groups.length; b++) {
        if (b > a) {
          const prev = groups[b - 1]
          if (groups[b].start !== prev.end + 1 || !SEPARATOR.test(text[prev.end]) || prev.end - prev.start < 4) break
        }
        const digits = cardDigits(text.slice(groups[a].start, groups[b].end))
        const min = b > a ? 13 : 12
        if (digits.length >= min && digits.length <= 19 && digits[0] !== "0" && luhn(digits)) {
          found.push({ start: groups[a].start, end: groups[b].end, digits })
        }
      }
    }
    return found
  }

  it("no candidate of the original text shows more than its last four digits", () => {
    const rand = random(99)
    const pieces = ["1", "2", "4", "0", "5", "7", "9", "１", "４", " ", " ", "-", ".", "．", "\u3000", "x"]
    const failures: string[] = []
    let masked = 0
    for (let round = 0; round < 400; round++) {
      let text = ""
      const len = 20 + rand(120)
      for (let i = 0; i < len; i++) {
        // mostly runs of 4 digits, so that joined groups form candidates often
        if (rand(3)) for (let j = 0; j < 4; j++) text += pieces[rand(9)]
        text += pieces[rand(pieces.length)]
      }
      const once = maskPans(text)
      if (once !== text) masked++
      if (maskPans(once) !== once) failures.push(`not idempotent: ${JSON.stringify(text)}`)
      for (const c of candidates(text)) {
        const shown = cardDigits(once.slice(c.start, c.end))
        if (shown.length > 4 || !c.digits.endsWith(shown)) failures.push(`${c.digits} shows ${shown}: ${JSON.stringify(text)}`)
      }
    }
    expect(failures).toEqual([])
    expect(masked).toBeGreaterThan(100) // the random texts do hold card-number candidates
  })
})

describe("maskPans: performance", () => {
  function time(text: string): number {
    maskPans(text.slice(0, 1000)) // warm up
    const t0 = performance.now()
    maskPans(text)
    return performance.now() - t0
  }

  it("is linear: 100 kB of digits and separators well under 50 ms", () => {
    const rand = random(7)
    const seps = [" ", "-", ".", "－", "．", "\u3000"]
    let noise = ""
    while (noise.length < 100_000) noise += rand(3) ? String(rand(10)) : seps[rand(seps.length)]
    const texts = {
      random: noise,
      cards: "4111 1111 1111 1111\n".repeat(5000),
      "cards in one chain": "4111 1111 1111 1111 ".repeat(5000),
      "one run": "4".repeat(100_000),
      "single digits": "1 ".repeat(50_000),
      "groups of 4": "1234-".repeat(20_000),
      "full-width": FULL_WIDTH("4242424242424242 ").repeat(5900),
    }
    for (const [name, text] of Object.entries(texts)) {
      expect(text.length).toBeGreaterThanOrEqual(99_000)
      const ms = time(text)
      if (process.env.MASKING_TIMES) console.log(`${name}: ${ms.toFixed(2)} ms`)
      if (ms >= 50) throw new Error(`${name}: ${ms.toFixed(1)} ms`)
    }
    expect(maskPans(texts.cards)).toBe("**** **** **** 1111\n".repeat(5000))
  })
})

describe("admin widget", () => {
  it("uses the same masking, shown with •", () => {
    expect(widgetMaskPans("カード番号４１１１１１１１１１１１１１１１は無効です")).toBe("カード番号••••••••••••１１１１は無効です")
    expect(widgetMaskPans("card 4111 1111 1111 1111 declined")).toBe("card •••• •••• •••• 1111 declined")
    expect(widgetMaskPans("ref 4111111111111112")).toBe("ref 4111111111111112")
  })

  it("labels a stored card with ASCII last four, full-width or not", () => {
    expect(maskedCardLabel({ scheme: "jcb", last4: "１１１１", exp_month: "1", exp_year: "2030" })).toBe("JCB •••• 1111 · 01/30")
  })
})
