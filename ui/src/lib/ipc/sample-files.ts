// Files on the fake backend's pretend disk, so that evidence can be taken in
// and previewed in a plain browser (`npm run dev`): a screenshot, a policy
// PDF, a Japanese Windows log in Shift_JIS, a configuration in JSON, a CSV
// and an empty export (which the intake refuses, as the core does).

function bytes(base64: string): Uint8Array {
  const text = atob(base64);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const utf8 = (text: string) => new TextEncoder().encode(text);

export const SAMPLE_DIR = "/fake/files";

export function sampleFiles(): Map<string, Uint8Array> {
  return new Map([
    [
      `${SAMPLE_DIR}/特権ID管理画面.png`,
      bytes(
        "iVBORw0KGgoAAAANSUhEUgAAAKAAAABgCAIAAAAVRe7OAAABOklEQVR42u3YMRGDAAxAUbzgABmVgIgqQVgX5iqB64gBhg4tCcm7" +
        "+wr6SEoYxumhwg1+AsACLMACLMACLMCABViAlQB42z8qHGDAAizAAizAAqzvgOfn8tde6/s0JMWBLw5wceDyz1MMsM1pgu1hwPZw" +
        "LLD16A4WYAEWYMByJjmT7nhfZQQ2dibYdy7AvnPFAlueJtgeBmwPu4OtaL8CYAEWYHmL9j4M2H1VAdhqNcH2MGD/67HA9qcJtofd" +
        "wQIMWIAFWN6if/MWjc2Z5L4C3ON5ygtsu5pgexhw+//1YGAr1B0swAIMWIDlTHImZbuv7gpsNE2w71yAGzxPqYEtWBNsDwPu/b/u" +
        "DvahQ4AFWIDlLdp3LsDuqyrA1q8J9p0LcPXnKTuwHWuC7WF3sAkWYAEWYAEWYAEW4BYdcdJfE92smB0AAAAASUVORK5CYII=",
      ),
    ],
    [
      `${SAMPLE_DIR}/情報セキュリティ規程_v3.2.pdf`,
      bytes(
        "JVBERi0xLjQKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyAvUGFnZXMgMiAwIFIgPj4KZW5kb2JqCjIgMCBvYmoKPDwgL1R5cGUg" +
        "L1BhZ2VzIC9LaWRzIFszIDAgUl0gL0NvdW50IDEgPj4KZW5kb2JqCjMgMCBvYmoKPDwgL1R5cGUgL1BhZ2UgL1BhcmVudCAyIDAg" +
        "UiAvTWVkaWFCb3ggWzAgMCA1OTUgODQyXSAvUmVzb3VyY2VzIDw8IC9Gb250IDw8IC9GMSA0IDAgUiA+PiA+PiAvQ29udGVudHMg" +
        "NSAwIFIgPj4KZW5kb2JqCjQgMCBvYmoKPDwgL1R5cGUgL0ZvbnQgL1N1YnR5cGUgL1R5cGUxIC9CYXNlRm9udCAvSGVsdmV0aWNh" +
        "ID4+CmVuZG9iago1IDAgb2JqCjw8IC9MZW5ndGggMjA3ID4+CnN0cmVhbQpCVCAvRjEgMjAgVGYgNjAgNzYwIFRkIChJbmZvcm1h" +
        "dGlvbiBTZWN1cml0eSBQb2xpY3kpIFRqIDAgLTMwIFRkIC9GMSAxMiBUZiAoVmVyc2lvbiAzLjIgLSBhcHByb3ZlZCAyMDI2LTAz" +
        "LTE1IGJ5IHRoZSBDSVNPKSBUaiAwIC0yMCBUZCAoU2VjdGlvbiA1OiBBY2Nlc3MgY29udHJvbCAtIHByaXZpbGVnZWQgSURzIGFy" +
        "ZSByZXZpZXdlZCBtb250aGx5LikgVGogRVQKZW5kc3RyZWFtCmVuZG9iagp4cmVmCjAgNgowMDAwMDAwMDAwIDY1NTM1IGYgCjAw" +
        "MDAwMDAwMDkgMDAwMDAgbiAKMDAwMDAwMDA1OCAwMDAwMCBuIAowMDAwMDAwMTE1IDAwMDAwIG4gCjAwMDAwMDAyNDEgMDAwMDAg" +
        "biAKMDAwMDAwMDMxMSAwMDAwMCBuIAp0cmFpbGVyCjw8IC9TaXplIDYgL1Jvb3QgMSAwIFIgPj4Kc3RhcnR4cmVmCjU2OQolJUVP" +
        "Rgo=",
      ),
    ],
    [
      `${SAMPLE_DIR}/特権ID利用ログ_2026-04.log`,
      bytes(
        "MjAyNi0wNC0wMSAwOToxMjowMyCDjYNPg0mDk5CsjPcgg4aBW4NVgVs9YWRtaW4wMSCSW5aWPU9QUy1QQy0wMwoyMDI2LTA0LTAx" +
        "IDA5OjQwOjU1IJPBjKBJRI5nl3CKSo5uIIOGgVuDVYFbPWFkbWluMDEgj7OURpTUjYY9UkVRLTIwMjYtMDQxMgoyMDI2LTA0LTAx" +
        "IDEwOjAyOjExIJPBjKBJRI5nl3CPSZe5IIOGgVuDVYFbPWFkbWluMDEKMjAyNi0wNC0wMiAxODozMDo0NyCDjYNPg0mDk464lHMg" +
        "g4aBW4NVgVs9YWRtaW4wMiCXnZdSPYNwg1iDj4Fbg2iVc4jqknYK",
      ),
    ],
    [
      `${SAMPLE_DIR}/iam-policy.json`,
      utf8(
        JSON.stringify(
          { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ec2:Describe*"], Resource: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } }] },
          null,
          2,
        ),
      ),
    ],
    [`${SAMPLE_DIR}/アクセス権棚卸結果.csv`, utf8("ユーザーID,氏名,権限,確認結果\nadmin01,山本 健,管理者,継続\nadmin02,中村 愛,管理者,削除済み\n")],
    [`${SAMPLE_DIR}/空のエクスポート.csv`, new Uint8Array(0)],
  ]);
}
