//! wasm-bindgen tests: the facade under node (run by `wasm-pack test --node`).
#![cfg(target_arch = "wasm32")]

use portfolio_margin::wasm::facade::{compute_report, parse_positions, sample_positions};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

#[wasm_bindgen_test]
fn report_of_the_sample_book() {
    let request = js_sys::Object::new();
    js_sys::Reflect::set(&request, &"positions".into(), &sample_positions().into()).unwrap();
    let report = compute_report(request.into(), None).unwrap();
    let total = get(&get(&get(&report, "margin"), "totalUsd"), "initial")
        .as_f64()
        .unwrap();
    assert!(total > 0.0);
}

#[wasm_bindgen_test]
fn bad_line_is_an_error_with_code_and_line() {
    let err = compute_report(
        JsValue::from_str(r#"{"positions":"BTC-PERPETUAL 1\nBTC-XX 1"}"#),
        None,
    )
    .unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("UNKNOWN_INSTRUMENT")
    );
    assert_eq!(get(&err, "line").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
fn parse_positions_lists_errors() {
    let parsed = parse_positions("BTC-PERPETUAL 1\nbad line here").unwrap();
    let errors: js_sys::Array = get(&parsed, "errors").into();
    assert_eq!(errors.length(), 1);
}

#[wasm_bindgen_test]
fn progress_hears_a_monte_carlo_run() {
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<f64>::new()));
    let sink = seen.clone();
    let callback = wasm_bindgen::closure::Closure::<dyn FnMut(f64)>::new(move |f: f64| {
        sink.borrow_mut().push(f)
    });
    let request = r#"{"positions":"BTC_USDC-PERPETUAL 1\nETH-25DEC26-3000-P -5","analysis":{"var":{"paths":20000}}}"#;
    let function: &js_sys::Function = callback.as_ref().unchecked_ref();
    let report = compute_report(JsValue::from_str(request), Some(function.clone())).unwrap();
    assert!(get(&get(&report, "var"), "esUsd").as_f64().unwrap() > 0.0);
    let seen = seen.borrow();
    assert_eq!(seen.last(), Some(&1.0));
    assert!(seen.windows(2).all(|w| w[1] > w[0]), "{seen:?}");
}
