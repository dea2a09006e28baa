//! What the server offers and the capabilities that change or run the
//! model: formatting (`fmt`'s layout), quick fixes (a did-you-mean's
//! replacement, an `allow` comment for a warning), and the model's tests
//! as code lenses that show whether each passes.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    CodeLens, CodeLensOptions, CodeLensParams, Command, CompletionOptions,
    DocumentFormattingParams, ExecuteCommandOptions, ExecuteCommandParams, InitializeResult,
    MessageType, OneOf, PositionEncodingKind, RenameOptions, SemanticTokensFullOptions,
    SemanticTokensOptions, SemanticTokensServerCapabilities, ServerCapabilities, ServerInfo,
    ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextEdit, Url, WorkspaceEdit,
};

use super::analysis::{replacement, Analysis};
use super::documents::{Document, Encoding};
use super::{to_value, Answer, Failure, Server};
use crate::{format, parse, run_test, values_seen};

/// The command a test's code lens runs.
pub const RUN_TESTS: &str = "leadscore.runTests";

pub fn initialize_result(encoding: Encoding) -> InitializeResult {
    let capabilities = ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp_types::TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(["[", "(", ",", " "].map(String::from).to_vec()),
            ..CompletionOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![RUN_TESTS.to_string()],
            ..ExecuteCommandOptions::default()
        }),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: super::semantic::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: Some(true),
                ..SemanticTokensOptions::default()
            },
        )),
        ..ServerCapabilities::default()
    };
    InitializeResult {
        capabilities,
        server_info: Some(ServerInfo {
            name: "leadscore".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    }
}

pub fn formatting<W: std::io::Write>(
    server: &mut Server<W>,
    p: DocumentFormattingParams,
) -> Answer {
    let doc = server.doc(&p.text_document.uri)?;
    let (parsed, diagnostics) = parse(0, &doc.text);
    let Some(file) = parsed else {
        let first = diagnostics
            .first()
            .map(|d| d.message.as_str())
            .unwrap_or("");
        return Err(Failure::refused(format!(
            "the file is not formatted while it has a syntax error: {first}"
        )));
    };
    let mut formatted = format(&file, &doc.text);
    if doc.text.contains("\r\n") {
        formatted = formatted.replace('\n', "\r\n");
    }
    if formatted == doc.text {
        return to_value(Vec::<TextEdit>::new());
    }
    to_value(vec![TextEdit::new(doc.range(0, doc.text.len()), formatted)])
}

pub fn code_actions<W: std::io::Write>(server: &mut Server<W>, p: CodeActionParams) -> Answer {
    let uri = p.text_document.uri;
    let doc = server.doc(&uri)?;
    let mut actions = Vec::new();
    for d in p.context.diagnostics {
        let code = match &d.code {
            Some(lsp_types::NumberOrString::String(c)) => c.clone(),
            _ => continue,
        };
        let help = d
            .data
            .as_ref()
            .and_then(|data| data.get("help"))
            .and_then(|h| h.as_str())
            .map(str::to_string)
            .or_else(|| d.message.split("\nhelp: ").nth(1).map(str::to_string));
        if let Some(new) = help.as_deref().and_then(replacement) {
            let edit = TextEdit::new(d.range, new.clone());
            actions.push(fix(format!("Replace with `{new}`"), &uri, vec![edit], &d));
        }
        if d.severity == Some(lsp_types::DiagnosticSeverity::WARNING) {
            let edit = allow_comment(doc, d.range.start.line, &code);
            actions.push(fix(format!("Allow {code} here"), &uri, vec![edit], &d));
        }
    }
    to_value(actions)
}

fn fix(title: String, uri: &Url, edits: Vec<TextEdit>, d: &lsp_types::Diagnostic) -> CodeAction {
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d.clone()]),
        edit: Some(WorkspaceEdit::new(HashMap::from([(uri.clone(), edits)]))),
        is_preferred: Some(true),
        ..CodeAction::default()
    }
}

/// `# leadscore: allow(CODE)` at the end of the line, or alone on the line
/// above when the line already ends in a comment.
fn allow_comment(doc: &Document, line: u32, code: &str) -> TextEdit {
    let start = doc.offset(lsp_types::Position::new(line, 0));
    let end = doc.offset(lsp_types::Position::new(line, u32::MAX));
    let text = doc.text.get(start..end).unwrap_or_default();
    let comment = format!("# leadscore: allow({code})");
    if crate::syntax::comment_start(text).is_some() {
        let indent: String = text.chars().take_while(|c| c.is_whitespace()).collect();
        let at = doc.position(start);
        let newline = if doc.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        TextEdit::new(
            lsp_types::Range::new(at, at),
            format!("{indent}{comment}{newline}"),
        )
    } else {
        let at = doc.position(end);
        TextEdit::new(lsp_types::Range::new(at, at), format!("  {comment}"))
    }
}

/// One test's result.
struct TestResult {
    span: crate::source::Span,
    name: String,
    passed: bool,
    /// Each failing `expect` with the values it saw.
    failures: Vec<String>,
}

/// Each test's result, or why none ran.
fn test_results(analysis: &Analysis, file: usize) -> Result<Vec<TestResult>, String> {
    let checked = &analysis.checked;
    let Some(plan) = &checked.plan else {
        return Err("tests not run: the model has errors".to_string());
    };
    let mut results = Vec::new();
    for case in checked.tests.iter().filter(|t| t.span.file == file) {
        match run_test(plan, case) {
            Ok(run) => {
                let failures = run
                    .failures
                    .iter()
                    .map(|e| {
                        let seen: Vec<String> = values_seen(plan, e, &run)
                            .into_iter()
                            .map(|(what, value)| format!("{what} = {value}"))
                            .collect();
                        if seen.is_empty() {
                            format!("expect {}", e.source)
                        } else {
                            format!("expect {} (saw {})", e.source, seen.join(", "))
                        }
                    })
                    .collect();
                results.push(TestResult {
                    span: case.span,
                    name: case.name.clone(),
                    passed: run.passed(),
                    failures,
                });
            }
            Err(problem) => results.push(TestResult {
                span: case.span,
                name: case.name.clone(),
                passed: false,
                failures: vec![format!("its lead cannot be read: {}", problem.expected)],
            }),
        }
    }
    Ok(results)
}

pub fn code_lenses<W: std::io::Write>(server: &mut Server<W>, p: CodeLensParams) -> Answer {
    let uri = p.text_document.uri;
    let analyses = server.analyses_of(&uri)?;
    let Some((analysis, file)) = analyses.first() else {
        return to_value(Vec::<CodeLens>::new());
    };
    let command = |title: String| Command {
        title,
        command: RUN_TESTS.to_string(),
        arguments: Some(vec![serde_json::json!(uri)]),
    };
    let lenses: Vec<CodeLens> = match test_results(analysis, *file) {
        Ok(results) => results
            .into_iter()
            .map(
                |TestResult {
                     span,
                     passed,
                     failures,
                     ..
                 }| {
                    let title = if passed {
                        "✓ test passes".to_string()
                    } else {
                        format!("✗ test fails: {}", failures.join("; "))
                    };
                    let at =
                        analysis.range(crate::source::Span::new(span.file, span.start, span.start));
                    CodeLens {
                        range: lsp_types::Range::new(at.start, at.start),
                        command: Some(command(title)),
                        data: None,
                    }
                },
            )
            .collect(),
        Err(why) => {
            // One lens on each test block that says why none ran.
            let file_id = *file;
            analysis
                .checked
                .items
                .iter()
                .filter_map(|item| match item {
                    crate::ast::Item::Test(t) if t.span.file == file_id => Some(t.span),
                    _ => None,
                })
                .map(|span| {
                    let at = analysis.range(span);
                    CodeLens {
                        range: lsp_types::Range::new(at.start, at.start),
                        command: Some(command(why.clone())),
                        data: None,
                    }
                })
                .collect()
        }
    };
    to_value(lenses)
}

/// `leadscore.runTests URI`: runs the tests of the model and answers with
/// each test's result; the client also gets a message with the tally.
pub fn execute_command<W: std::io::Write>(
    server: &mut Server<W>,
    p: ExecuteCommandParams,
) -> Answer {
    if p.command != RUN_TESTS {
        return Err(Failure::new(
            lsp_server::ErrorCode::InvalidParams,
            format!("unknown command `{}`", p.command),
        ));
    }
    let uri: Url = p
        .arguments
        .first()
        .cloned()
        .and_then(|a| serde_json::from_value(a).ok())
        .ok_or_else(|| {
            Failure::new(
                lsp_server::ErrorCode::InvalidParams,
                "the command takes a document's URI",
            )
        })?;
    let analyses = server.analyses_of(&uri)?;
    let Some((analysis, file)) = analyses.first() else {
        return to_value(Vec::<serde_json::Value>::new());
    };
    let results = test_results(analysis, *file);
    let (message, answer) = match results {
        Ok(results) => {
            let failed = results.iter().filter(|r| !r.passed).count();
            let answer: Vec<serde_json::Value> = results
                .into_iter()
                .map(|r| {
                    serde_json::json!({"name": r.name, "passed": r.passed, "failures": r.failures})
                })
                .collect();
            let message = format!("{} tests, {failed} failed", answer.len());
            (message, answer)
        }
        Err(why) => (why, Vec::new()),
    };
    let kind = if message.ends_with(" 0 failed") {
        MessageType::INFO
    } else {
        MessageType::WARNING
    };
    server
        .notify::<lsp_types::notification::ShowMessage>(ShowMessageParams { typ: kind, message })
        .map_err(|e| Failure::new(lsp_server::ErrorCode::InternalError, e.to_string()))?;
    to_value(answer)
}
