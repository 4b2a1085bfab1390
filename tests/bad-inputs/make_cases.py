#!/usr/bin/env python3
"""Writes tests/bad-inputs/cases.jsonl, the bad-input corpus (issue #17): one case per line.

Run from the repository root: python3 tests/bad-inputs/make_cases.py

A case is {"name", one of "request" (a JSON value), "raw" (the request's exact text) or "generate"
(a generator both runners implement: tests/bad_inputs.rs and tests/js/bad-inputs.test.mjs), and
"error": {"code", and "line"/"column" or "path"} or "warning": {"code", "line" or "path"}}. The
expected outcomes are written here by hand from SPEC §2 and the README's tables, not recorded.
"""
import json, os

cases = []
MK = {"asOf": "2026-11-24T08:00:00Z", "underlyings": {"BTC": {"index": 94250, "iv": 0.55}}}


def market(**btc):
    u = {"index": 94250, "iv": 0.55}
    u.update(btc)
    return {"asOf": "2026-11-24T08:00:00Z", "underlyings": {"BTC": u}}


def err(name, code, line=None, column=None, path=None, **src):
    e = {"code": code}
    if line is not None:
        e["line"], e["column"] = line, column
    if path is not None:
        e["path"] = path
    cases.append({"name": name, **src, "error": e})


def text_err(name, text, code, line, column, **extra):
    err(name, code, line=line, column=column, request={"positions": text, **extra})


def warn(name, code, line=None, path=None, **src):
    w = {"code": code}
    if line is not None:
        w["line"] = line
    if path is not None:
        w["path"] = path
    cases.append({"name": name, **src, "warning": w})


# --- silently reinterpreted before (issue #17) ---------------------------------------------
text_err("perpetual @0 is not 'no mark'", "BTC-PERPETUAL 1000 @0", "BAD_NUMBER", 1, 20)
text_err("future @0 is not 'no mark'", "BTC-25DEC26 1000 @0", "BAD_NUMBER", 1, 18)
text_err("option @0 is below the price floor", "BTC-25DEC26-100000-C 1 @0", "BAD_NUMBER", 1, 24)
text_err("mark 1e-9 below the 1e-8 floor", "BTC-PERPETUAL 1000 @1e-9", "BAD_NUMBER", 1, 20)
text_err("mark @ 1e-9 separated", "BTC-PERPETUAL 1000 @ 1e-9", "BAD_NUMBER", 1, 22)
text_err("two @ marks on one line", "BTC-PERPETUAL 1000 @90000 @91000", "BAD_LINE", 1, 27)
text_err("two separated @ marks", "BTC-PERPETUAL 1000 @ 90000 @ 91000", "BAD_LINE", 1, 28)
text_err("two iv= on one line", "BTC-25DEC26-100000-C 1 iv=0.5 iv=0.6", "BAD_LINE", 1, 31)
text_err("two entry= on one line", "BTC-PERPETUAL 1000 entry=90000 entry=91000", "BAD_LINE", 1, 32)
text_err("iv= twice, second line", "BTC-PERPETUAL 1\nETH-25DEC26-3000-P 1 iv=50% iv=50%", "BAD_LINE", 2, 29)
err("smile strike at two vols", "BAD_REQUEST", path="market.underlyings.BTC.smiles.2026-12-25[1][0]",
    request={"positions": "BTC-25DEC26-100000-C 1",
             "market": market(smiles={"2026-12-25": [[90000, 0.5], [90000, 0.6], [100000, 0.5]]})})
err("duplicate top-level key", "BAD_REQUEST", path="positions",
    raw='{"positions": "BTC-PERPETUAL 1", "positions": "ETH-PERPETUAL 1"}')
err("duplicate key in an underlying", "BAD_REQUEST", path="market.underlyings.BTC.index",
    raw='{"positions": "BTC-PERPETUAL 1", "market": {"asOf": "2026-11-24", "underlyings": {"BTC": {"index": 1, "index": 2, "iv": 0.5}}}}')
err("duplicate key in a position object", "BAD_REQUEST", path="positions[0].quantity",
    raw='{"positions": [{"instrument": "BTC-PERPETUAL", "quantity": 1, "quantity": 2}]}')
err("duplicate collateral currency", "BAD_REQUEST", path="account.collateral.BTC",
    raw='{"positions": "BTC-PERPETUAL 1", "account": {"collateral": {"BTC": 1, "BTC": 2}}}')
err("duplicate key in model overrides", "BAD_REQUEST", path="model.overrides.mode",
    raw='{"positions": "BTC-PERPETUAL 1", "model": {"preset": "deribit-pm", "overrides": {"mode": "cross", "mode": "segregated"}}}')
err("duplicate underlying", "BAD_REQUEST", path="market.underlyings.BTC",
    raw='{"positions": "BTC-PERPETUAL 1", "market": {"asOf": "2026-11-24", "underlyings": {"BTC": {"index": 1}, "BTC": {"index": 2}}}}')
err("duplicate key in pasted JSON", "BAD_REQUEST", path="[0].quantity",
    request={"positions": '[{"instrument": "BTC-PERPETUAL", "quantity": 1, "quantity": 2}]'})
err("duplicate correlation key", "BAD_REQUEST", path="market.correlations.BTC/ETH",
    raw='{"positions": "BTC-PERPETUAL 1", "market": {"asOf": "2026-11-24", "underlyings": {"BTC": {"index": 1}}, "correlations": {"BTC/ETH": 0.5, "BTC/ETH": 0.6}}}')

# --- codes and places ------------------------------------------------------------------------
err("quantity 1e309", "BAD_NUMBER", path="positions[0].quantity",
    raw='{"positions": [{"instrument": "BTC-PERPETUAL", "quantity": 1e309}]}')
err("quantity -1e309", "BAD_NUMBER", path="positions[0].quantity",
    raw='{"positions": [{"instrument": "BTC-PERPETUAL", "quantity": -1e309}]}')
err("index 1e309", "BAD_NUMBER", path="market.underlyings.BTC.index",
    raw='{"positions": "BTC-PERPETUAL 1", "market": {"asOf": "2026-11-24", "underlyings": {"BTC": {"index": 1e309}}}}')
err("collateral 1e400", "BAD_NUMBER", path="account.collateral.BTC",
    raw='{"positions": "BTC-PERPETUAL 1", "account": {"collateral": {"BTC": 1e400}}}')
err("missing quantity", "BAD_NUMBER", path="positions[0].quantity",
    request={"positions": [{"instrument": "BTC-PERPETUAL"}]})
err("null quantity", "BAD_NUMBER", path="positions[0].quantity",
    request={"positions": [{"instrument": "BTC-PERPETUAL", "quantity": None}]})
err("missing index", "MISSING_MARKET", path="market.underlyings.BTC.index",
    request={"positions": "BTC-PERPETUAL 1", "market": {"asOf": "2026-11-24", "underlyings": {"BTC": {"iv": 0.5}}}})
err("null index", "MISSING_MARKET", path="market.underlyings.BTC.index",
    request={"positions": "BTC-PERPETUAL 1", "market": {"asOf": "2026-11-24", "underlyings": {"BTC": {"index": None}}}})
err("missing forward in priceOption-like market? no: missing asOf", "BAD_REQUEST", path="market.asOf",
    request={"positions": "BTC-PERPETUAL 1", "market": {"underlyings": {"BTC": {"index": 1}}}})
text_err("negative strike points at the strike", "BTC-25DEC26--5000-C 1", "UNKNOWN_INSTRUMENT", 1, 13)
text_err("negative strike, indented", "   BTC-25DEC26--5000-C 1", "UNKNOWN_INSTRUMENT", 1, 16)
err("empty request", "BAD_REQUEST", line=1, column=1, raw="")
err("blank request", "BAD_REQUEST", line=1, column=3, raw="   ")
err("newline only", "BAD_REQUEST", line=2, column=1, raw="\n")
err("request not an object", "BAD_REQUEST", path="", raw="[]")
err("request a number", "BAD_REQUEST", path="", raw="42")
err("request null", "BAD_REQUEST", path="", raw="null")
err("truncated JSON", "BAD_REQUEST", line=1, column=30, raw='{"positions": "BTC-PERPETUAL 1')
err("trailing garbage", "BAD_REQUEST", line=1, column=34, raw='{"positions": "BTC-PERPETUAL 1"} x')
err("trailing comma", "BAD_REQUEST", line=1, column=33, raw='{"positions": "BTC-PERPETUAL 1",}')
err("NaN literal in JSON", "BAD_REQUEST", line=1, column=60,
    raw='{"positions": [{"instrument": "BTC-PERPETUAL", "quantity": NaN}]}')
err("Infinity literal in JSON", "BAD_REQUEST", line=1, column=60,
    raw='{"positions": [{"instrument": "BTC-PERPETUAL", "quantity": Infinity}]}')
err("single quotes", "BAD_REQUEST", line=1, column=2, raw="{'positions': 'BTC-PERPETUAL 1'}")
err("missing positions", "BAD_REQUEST", path="positions", request={})
err("10 MB of pasted text", "LIMIT_EXCEEDED", path="positions", generate="text-10mb")
err("request over 16 MB", "LIMIT_EXCEEDED", generate="request-17mb")
err("20 001 positions", "LIMIT_EXCEEDED", line=20001, column=1, generate="positions-20001")
err("20 001 position objects", "LIMIT_EXCEEDED", path="positions", generate="objects-20001")
err("201 underlyings", "LIMIT_EXCEEDED", path="market.underlyings", generate="underlyings-201")
err("501 smile points", "BAD_NUMBER", path="market.underlyings.BTC.smiles.2026-12-25", generate="smile-501")
err("deep nesting", "BAD_REQUEST", line=1, column=128, generate="deep-nesting")
err("deep nesting in a field", "BAD_REQUEST", line=1, column=141, raw='{"positions": ' + "[" * 200 + "]" * 200 + "}")
err("moderate nesting, wrong type", "BAD_REQUEST", path="positions[0]", raw='{"positions": [[[[1]]]]}')

# --- malformed names -------------------------------------------------------------------------
for name, col, why in [
    ("BTC-32DEC26-100000-C", 5, "day 32"), ("BTC-25DEX26-90000-P", 5, "month DEX"),
    ("BTC-29FEB27-100000-C", 5, "29 Feb in a common year"), ("BTC-31APR27", 5, "31 April"),
    ("BTC-00DEC26-100000-C", 5, "day 0"), ("BTC-25DEC-100000-C", 5, "no year"),
    ("BTC-25DEC26-100000-X", 20, "not C or P"), ("BTC-25DEC26-abc-C", 13, "strike not a number"),
    ("BTC-25DEC26-0-C", 13, "strike 0"), ("BTC-25DEC26-0d0-C", 13, "strike 0d0"),
    ("BTC-25DEC26-1d2d3-C", 13, "two decimal points"), ("BTC-25DEC26-1e3-C", 13, "exponent in a strike"),
    ("BTC-25DEC26-2000000000000-C", 13, "strike above 1e12"), ("BTC-25DEC26-100000", 13, "three parts"),
    ("BTC-25DEC26-100000-C-X", 22, "five parts"), ("-PERPETUAL", 1, "no coin"),
    ("BTC-PERPETUAL-C", 15, "perpetual with a type"), ("BTC-", 5, "empty expiry"),
    ("B@C-PERPETUAL", 1, "bad coin"), ("BTC-25DEC26-+5000-C", 13, "plus sign in a strike"),
]:
    text_err(f"name: {why}", f"{name} 1", "UNKNOWN_INSTRUMENT", 1, col)
text_err("bad name on line 3", "BTC-PERPETUAL 1\n# comment\nBTC-25DEX26 5", "UNKNOWN_INSTRUMENT", 3, 5)
text_err("bad name after a tab", "\tBTC-25DEX26 5", "UNKNOWN_INSTRUMENT", 1, 6)
err("name in a position object", "UNKNOWN_INSTRUMENT", path="positions[0].instrument",
    request={"positions": [{"instrument": "BTC-32DEC26-100000-C", "quantity": 1}]})
err("instrument object: negative strike", "BAD_NUMBER", path="positions[0].instrument.strike",
    request={"positions": [{"instrument": {"underlying": "BTC", "kind": "option", "expiry": "2026-12-25", "strike": -5, "optionType": "call"}, "quantity": 1}]})
err("instrument object: strike 0", "BAD_NUMBER", path="positions[0].instrument.strike",
    request={"positions": [{"instrument": {"underlying": "BTC", "kind": "option", "expiry": "2026-12-25", "strike": 0, "optionType": "call"}, "quantity": 1}]})
err("instrument object: impossible date", "BAD_DATE", path="positions[0].instrument.expiry",
    request={"positions": [{"instrument": {"underlying": "BTC", "kind": "future", "expiry": "2027-02-29"}, "quantity": 1}]})
err("instrument object: bad kind", "BAD_REQUEST", path="positions[0].instrument.kind",
    request={"positions": [{"instrument": {"underlying": "BTC", "kind": "swap"}, "quantity": 1}]})
err("instrument object: bad coin", "UNKNOWN_INSTRUMENT", path="positions[0].instrument.underlying",
    request={"positions": [{"instrument": {"underlying": "B-TC", "kind": "perpetual"}, "quantity": 1}]})
err("instrument a number", "BAD_REQUEST", path="positions[0].instrument",
    request={"positions": [{"instrument": 5, "quantity": 1}]})
err("missing instrument", "BAD_REQUEST", path="positions[0].instrument", request={"positions": [{"quantity": 1}]})

# --- numbers in pasted text ------------------------------------------------------------------
for qty, why in [("nan", "NaN"), ("inf", "inf"), ("-infinity", "-infinity"), ("1e308", "1e308"),
                 ("-1e13", "beyond 1e12"), ("1e400", "overflow"), ("abc", "letters"), ("1,000", "comma"),
                 ("0x10", "hex"), ("--5", "two signs"), ("5BTCX", "bad unit")]:
    text_err(f"quantity {why}", f"BTC-PERPETUAL {qty}", "BAD_NUMBER", 1, 15)
text_err("missing quantity", "BTC-PERPETUAL", "BAD_LINE", 1, 14)
text_err("missing quantity after comment", "BTC-PERPETUAL # 5", "BAD_LINE", 1, 15)
text_err("unit of another coin", "BTC-PERPETUAL 5ETH", "BAD_NUMBER", 1, 15)
for tok, col, why in [("@nan", 17, "mark NaN"), ("@inf", 17, "mark inf"), ("@1e308", 17, "mark 1e308"), ("@-5", 17, "mark negative"),
                      ("@2e12", 17, "mark above 1e12"), ("@", 18, "mark missing"), ("@abc", 17, "mark letters"),
                      ("iv=nan", 17, "iv NaN"), ("iv=0", 17, "iv 0"), ("iv=21", 17, "iv 21"), ("iv=1e-320", 17, "iv 1e-320"),
                      ("iv=0.00009", 17, "iv below 0.0001"), ("iv=2001%", 17, "iv 2001 %"), ("iv=-0.5", 17, "iv negative"), ("iv=", 17, "iv empty"),
                      ("entry=0", 17, "entry 0"), ("entry=1e-9", 17, "entry below 1e-8"), ("entry=1e13", 17, "entry above 1e12"),
                      ("entry=inf", 17, "entry inf")]:
    text_err(f"text: {why}", f"BTC-PERPETUAL 5 {tok}", "BAD_NUMBER", 1, col)
text_err("a word after the quantity is its unit", "BTC-PERPETUAL 5 foo", "BAD_NUMBER", 1, 15)
text_err("unexpected token", "BTC-PERPETUAL 5 @90000 foo", "BAD_LINE", 1, 24)
text_err("unexpected key=value", "BTC-PERPETUAL 5 delta=1", "BAD_LINE", 1, 17)
text_err("every bad line: first is the headline", "BTC-NOPE 1\nBTC-PERPETUAL 1\nBTC-PERPETUAL x", "UNKNOWN_INSTRUMENT", 1, 5)

# --- numbers in JSON -------------------------------------------------------------------------
def pos(**f):
    p = {"instrument": "BTC-PERPETUAL", "quantity": 1}
    p.update(f)
    return {"positions": [p]}

for field, value, why in [("quantity", 1e308, "1e308"), ("quantity", -1.5e12, "beyond 1e12"), ("mark", 1e308, "1e308"),
                          ("mark", 0, "0"), ("mark", 1e-9, "1e-9"), ("mark", -1, "negative"), ("iv", 0, "0"),
                          ("iv", 1e-320, "1e-320"), ("iv", 25, "25"), ("entry", -1, "negative"), ("entry", 1e308, "1e308"),
                          ("price", 0, "price 0")]:
    path = "mark" if field == "price" else field
    err(f"position {field} {why}", "BAD_NUMBER", path=f"positions[0].{path}", request=pos(**{field: value}))
err("mark and price both", "BAD_REQUEST", path="positions[0].price", request=pos(mark=90000, price=90000))
for field, value, why in [("index", 1e308, "1e308"), ("index", 0, "0"), ("index", -1, "negative"), ("index", 1e-9, "1e-9"),
                          ("iv", 0, "0"), ("iv", 1e-320, "1e-320"), ("iv", 21, "21"), ("carry", 5, "5"), ("carry", -1.5, "-1.5"),
                          ("carry", 1e308, "1e308")]:
    err(f"market {field} {why}", "BAD_NUMBER", path=f"market.underlyings.BTC.{field}",
        request={"positions": "BTC-PERPETUAL 1", "market": market(**{field: value})})
err("rate 2", "BAD_NUMBER", path="market.rate",
    request={"positions": "BTC-PERPETUAL 1", "market": {**MK, "rate": 2}})
err("rate -1e308", "BAD_NUMBER", path="market.rate",
    request={"positions": "BTC-PERPETUAL 1", "market": {**MK, "rate": -1e308}})
err("futures mark 1e308", "BAD_NUMBER", path="market.underlyings.BTC.futures.2026-12-25",
    request={"positions": "BTC-PERPETUAL 1", "market": market(futures={"2026-12-25": 1e308})})
err("futures mark 0", "BAD_NUMBER", path="market.underlyings.BTC.futures.2026-12-25",
    request={"positions": "BTC-PERPETUAL 1", "market": market(futures={"2026-12-25": 0})})
err("futures basis too far", "BAD_NUMBER", path="market.underlyings.BTC.futures.2026-11-25",
    request={"positions": "BTC-PERPETUAL 1", "market": market(futures={"2026-11-25": 200000})})
err("smile iv 0", "BAD_NUMBER", path="market.underlyings.BTC.smiles.2026-12-25[0]",
    request={"positions": "BTC-PERPETUAL 1", "market": market(smiles={"2026-12-25": [[90000, 0]]})})
err("smile strike 0", "BAD_NUMBER", path="market.underlyings.BTC.smiles.2026-12-25[0]",
    request={"positions": "BTC-PERPETUAL 1", "market": market(smiles={"2026-12-25": [[0, 0.5]]})})
err("smile strike negative", "BAD_NUMBER", path="market.underlyings.BTC.smiles.2026-12-25[0]",
    request={"positions": "BTC-PERPETUAL 1", "market": market(smiles={"2026-12-25": [[-90000, 0.5]]})})
err("smile empty", "BAD_NUMBER", path="market.underlyings.BTC.smiles.2026-12-25",
    request={"positions": "BTC-PERPETUAL 1", "market": market(smiles={"2026-12-25": []})})
err("smile point not a pair", "BAD_REQUEST", path="market.underlyings.BTC.smiles.2026-12-25[0]",
    request={"positions": "BTC-PERPETUAL 1", "market": market(smiles={"2026-12-25": [[90000, 0.5, 1]]})})
err("delivery price 0", "BAD_NUMBER", path="market.underlyings.BTC.delivery.2026-11-20",
    request={"positions": "BTC-PERPETUAL 1", "market": market(delivery={"2026-11-20": 0})})
for amount, why in [(1e16, "1e16"), (-1e16, "-1e16"), (1e308, "1e308"), (-1e308, "-1e308")]:
    err(f"collateral {why}", "BAD_NUMBER", path="account.collateral.BTC",
        request={"positions": "BTC-PERPETUAL 1", "account": {"collateral": {"BTC": amount}}})
err("collateral without a market", "MISSING_MARKET", path="account.collateral.XRP",
    request={"positions": "BTC-PERPETUAL 1", "account": {"collateral": {"XRP": 10}}})
err("option without a vol", "MISSING_MARKET", line=1, column=1,
    request={"positions": "BTC-25DEC26-100000-C 1", "market": {"asOf": "2026-11-24", "underlyings": {"BTC": {"index": 94250}}}})
err("underlying without a market", "MISSING_MARKET", line=1, column=1, request={"positions": "XRP-PERPETUAL 1"})

# --- correlations ----------------------------------------------------------------------------
CM = {"asOf": "2026-11-24", "underlyings": {"BTC": {"index": 94250, "iv": 0.5}, "ETH": {"index": 3400, "iv": 0.6}, "SOL": {"index": 140, "iv": 0.8}}}
for corr, path, why in [({"BTC/ETH": 1.5}, "market.correlations.BTC/ETH", "above 1"),
                        ({"BTC/ETH": -1.01}, "market.correlations.BTC/ETH", "below -1"),
                        ({"BTC/BTC": 0.5}, "market.correlations.BTC/BTC", "self not 1"),
                        ({"BTC/ETH": 0.5, "ETH/BTC": 0.6}, "market.correlations.ETH/BTC", "pair twice, two values"),
                        ({"BTC/ETH": 0.9, "BTC/SOL": 0.9, "ETH/SOL": -0.9}, "market.correlations", "not PSD"),
                        ({"BTC/ETH": 1, "BTC/SOL": 1, "ETH/SOL": 0}, "market.correlations", "not PSD at the edge")]:
    # semi-definiteness is checked where the correlations are used: VaR/ES and es-margin
    err(f"correlation {why}", "BAD_CORRELATION", path=path,
        request={"positions": "BTC-PERPETUAL 1\nETH-PERPETUAL 1\nSOL-PERPETUAL 1", "market": {**CM, "correlations": corr},
                 "analysis": {"var": {"paths": 100}}})
    if "PSD" in why:
        err(f"correlation {why}, es-margin", "BAD_CORRELATION", path=path,
            request={"positions": "BTC-PERPETUAL 1\nETH-PERPETUAL 1\nSOL-PERPETUAL 1", "market": {**CM, "correlations": corr},
                     "model": "es-margin"})
err("correlation key not a pair", "BAD_REQUEST", path="market.correlations.BTCETH",
    request={"positions": "BTC-PERPETUAL 1", "market": {**CM, "correlations": {"BTCETH": 0.5}}})

# --- dates -----------------------------------------------------------------------------------
for as_of, why in [("1969-12-31", "1969"), ("2100-01-01", "2100"), ("2026-13-01", "month 13"), ("2026-02-30", "30 Feb"),
                   ("yesterday", "words"), ("2026-11-24T25:00:00Z", "hour 25"), ("", "empty")]:
    err(f"asOf {why}", "BAD_DATE", path="market.asOf",
        request={"positions": "BTC-PERPETUAL 1", "market": {**MK, "asOf": as_of}})
err("futures date impossible", "BAD_DATE", path="market.underlyings.BTC.futures.2026-02-30",
    request={"positions": "BTC-PERPETUAL 1", "market": market(futures={"2026-02-30": 95000})})
err("smile date impossible", "BAD_DATE", path="market.underlyings.BTC.smiles.2027-02-29",
    request={"positions": "BTC-PERPETUAL 1", "market": market(smiles={"2027-02-29": [[90000, 0.5]]})})
err("delivery date words", "BAD_DATE", path="market.underlyings.BTC.delivery.last-friday",
    request={"positions": "BTC-PERPETUAL 1", "market": market(delivery={"last-friday": 90000})})

# --- wrong JSON types ------------------------------------------------------------------------
for req, path, why in [({"positions": 5}, "positions", "positions a number"), ({"positions": True}, "positions", "positions a boolean"),
                       ({"positions": {}}, "positions", "positions an object"), ({"positions": "", "market": "x"}, "market", "market a string"),
                       ({"positions": "", "market": {"asOf": "2026-11-24", "underlyings": []}}, "market.underlyings", "underlyings an array"),
                       ({"positions": "", "market": {"asOf": 20261124, "underlyings": {}}}, "market.asOf", "asOf a number"),
                       ({"positions": "", "account": 5}, "account", "account a number"),
                       ({"positions": "", "account": {"collateral": []}}, "account.collateral", "collateral an array"),
                       ({"positions": "", "account": {"collateral": {"BTC": "2"}}}, "account.collateral.BTC", "collateral a string"),
                       ({"positions": [5]}, "positions[0]", "position a number"), ({"positions": ["BTC-PERPETUAL 1"]}, "positions[0]", "position a string"),
                       ({"positions": [{"instrument": "BTC-PERPETUAL", "quantity": "1"}]}, "positions[0].quantity", "quantity a string"),
                       ({"positions": [{"instrument": "BTC-PERPETUAL", "quantity": True}]}, "positions[0].quantity", "quantity a boolean"),
                       ({"positions": [{"instrument": "BTC-PERPETUAL", "quantity": [1]}]}, "positions[0].quantity", "quantity an array"),
                       ({"positions": [{"instrument": "BTC-PERPETUAL", "quantity": 1, "unit": "lots"}]}, "positions[0].unit", "unit unknown"),
                       ({"positions": [{"instrument": "BTC-PERPETUAL", "quantity": 1, "iv": "0.5"}]}, "positions[0].iv", "iv a string"),
                       ({"positions": "", "market": {**MK, "underlyings": {"BTC": {"index": "94250"}}}}, "market.underlyings.BTC.index", "index a string"),
                       ({"positions": "", "market": {**MK, "underlyings": {"BTC": 94250}}}, "market.underlyings.BTC", "underlying a number"),
                       ({"positions": "", "market": {**MK, "underlyings": {"BTC": {"index": 1, "smiles": [1]}}}}, "market.underlyings.BTC.smiles", "smiles an array"),
                       ({"positions": "", "bogus": 1}, "bogus", "unknown top-level key"),
                       ({"positions": [{"instrument": "BTC-PERPETUAL", "quantity": 1, "qty": 1}]}, "positions[0].qty", "unknown position key"),
                       ({"positions": "", "market": {**MK, "spot": 1}}, "market.spot", "unknown market key"),
                       ({"positions": "", "market": {**MK, "underlyings": {"BTC": {"index": 1, "vol": 0.5}}}}, "market.underlyings.BTC.vol", "unknown underlying key"),
                       ({"positions": "", "account": {"cash": 1}}, "account.cash", "unknown account key"),
                       ({"positions": "", "model": {"preset": "deribit-pm", "override": {}}}, "model.override", "unknown model key")]:
    err(f"type: {why}", "BAD_REQUEST", path=path, request=req)
for model, path, why in [(5, "model", "model a number"), ("cme-span-2099", "model", "unknown preset"),
                         ({"preset": 5}, "model.preset", "preset a number"),
                         ({"preset": "deribit-pm", "overrides": {"currencies": {"BTC": {"annualisedMoveRisk": 10}}}}, "model.currencies.BTC.annualisedMoveRisk", "annualisedMoveRisk 10"),
                         ({"preset": "deribit-pm", "overrides": {"currencies": {"BTC": {"mmFactor": 2}}}}, "model.currencies.BTC.mmFactor", "mmFactor 2"),
                         ({"preset": "deribit-pm", "overrides": {"mode": "both"}}, "model.mode", "mode unknown")]:
    code = "BAD_REQUEST" if why in ("model a number", "preset a number") else "BAD_MODEL"
    err(f"model: {why}", code, path=path, request={"positions": "BTC-PERPETUAL 1", "model": model})

# --- analysis bounds (the CLI and the package's full build) ----------------------------------
for var, path, why in [({"paths": 50}, "analysis.var.paths", "paths 50"), ({"paths": 300000}, "analysis.var.paths", "paths 300000"),
                       ({"horizonDays": 0}, "analysis.var.horizonDays", "horizon 0"), ({"varConfidence": 1}, "analysis.var.varConfidence", "confidence 1"),
                       ({"method": "magic"}, "analysis.var.method", "unknown method")]:
    code = "LIMIT_EXCEEDED" if "paths" in why else ("BAD_REQUEST" if why == "unknown method" else "BAD_NUMBER")
    err(f"analysis: {why}", code, path=path, request={"positions": "BTC-PERPETUAL 1", "analysis": {"var": var}})
err("Monte Carlo paths × positions over 5e7", "LIMIT_EXCEEDED", path="analysis.var.paths", generate="mc-5001")
err("full revaluation: paths × positions over 1e7", "LIMIT_EXCEEDED", path="analysis.var.paths",
    request={"positions": "BTC-25DEC26-100000-C 1\n" * 101, "analysis": {"var": {"paths": 100000, "revaluation": "full"}}})
err("es-margin on more than 5 000 positions", "LIMIT_EXCEEDED", path="model", generate="es-5001")
err("payoff points × positions over 2e6", "LIMIT_EXCEEDED", path="analysis.payoff.points", generate="payoff-10000")
err("analysis: payoff 2 points", "LIMIT_EXCEEDED", path="analysis.payoff.points",
    request={"positions": "BTC-PERPETUAL 1", "analysis": {"payoff": {"points": 2}}})

# --- CSV quirks ------------------------------------------------------------------------------
for text, code, line, col, why in [
    ("instrument,quantity\nBTC-PERPETUAL,abc", "BAD_NUMBER", 2, 15, "quantity letters"),
    ("instrument,quantity\nBTC-PERPETUAL,", "BAD_LINE", 2, 15, "quantity empty"),
    ("instrument,quantity\nBTC-32DEC26,1", "UNKNOWN_INSTRUMENT", 2, 5, "bad name"),
    ("instrument,quantity\n\"BTC-PERPETUAL\",\"1,00\"", "BAD_NUMBER", 2, 18, "separator not grouping by three"),
    ("instrument,quantity\n\"BTC-PERPETUAL,1", "BAD_LINE", 2, 1, "unclosed quote"),
    ("instrument,quantity\nBTC-PERPETUAL,1,5,6", "BAD_LINE", 2, 17, "more fields than the header"),
    ("quantity,instrument,price\n1,BTC-PERPETUAL,0", "BAD_NUMBER", 2, 17, "price 0"),
    ("instrument,quantity,iv\nBTC-25DEC26-100000-C,1,0", "BAD_NUMBER", 2, 24, "iv 0"),
    ("instrument;quantity\nBTC-PERPETUAL;1", "UNKNOWN_INSTRUMENT", 1, 1, "semicolons: not CSV"),
]:
    text_err(f"csv: {why}", text, code, line, col)

# --- suspicious but computable: warnings -----------------------------------------------------
warn("expired option", "EXPIRED", line=1, request={"positions": "BTC-20NOV26-100000-C 1"})
warn("expired future", "EXPIRED", line=2, request={"positions": "BTC-PERPETUAL 1\nBTC-20NOV26 1000"})
warn("zero quantity", "ZERO_QUANTITY", line=1, request={"positions": "BTC-PERPETUAL 0"})
warn("zero quantity object", "ZERO_QUANTITY", path="positions[0]", request={"positions": [{"instrument": "BTC-PERPETUAL", "quantity": 0}]})
warn("csv column twice: the second is not used", "IGNORED_COLUMN", line=1, request={"positions": "instrument,quantity,quantity\nBTC-PERPETUAL,1,2"})
warn("csv extra column", "IGNORED_COLUMN", line=1, request={"positions": "instrument,quantity,note\nBTC-PERPETUAL,1,x"})
warn("liquidation not searched over 80 positions", "NOT_COMPUTED", path="account", generate="book-81-account")
warn("es-margin with an account", "NOT_COMPUTED", path="account",
     request={"positions": "BTC-PERPETUAL 1", "model": "es-margin", "account": {"collateral": {"BTC": 1}}})
warn("fresh seed", "FRESH_SEED", path="analysis.var.seed",
     request={"positions": "BTC-PERPETUAL 1000", "analysis": {"var": {"paths": 100, "seed": None}}})
warn("iv at the 0.0001 floor computes", "EXPIRED", line=2, request={"positions": "BTC-25DEC26-100000-C 1 iv=0.0001\nBTC-20NOV26 1"})
warn("collateral 5e-324 computes (margin ratio null)", "EXPIRED", line=1,
     request={"positions": "BTC-20NOV26 1\nBTC-PERPETUAL 1000", "account": {"collateral": {"BTC": 5e-324}}})

os.makedirs("tests/bad-inputs", exist_ok=True)
with open("tests/bad-inputs/cases.jsonl", "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(len(cases), "cases")
