fn main() -> std::process::ExitCode {
    // Parsing and checking recurse over the model's nesting; a generous
    // stack keeps deeply nested (but accepted) models from overflowing.
    let cli = std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(leadscore::run_cli);
    match cli.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        _ => std::process::ExitCode::from(2),
    }
}
