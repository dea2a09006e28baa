// The leadscore extension: starts `leadscore lsp` (the binary named by
// the `leadscore.path` setting) and hands every .score file to it.
// Highlighting comes from the TextMate grammar in syntaxes/; everything
// else (diagnostics, hover, rename, formatting, test lenses, ...) from the
// server.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function createClient() {
  const config = vscode.workspace.getConfiguration('leadscore');
  const command = config.get('path') || 'leadscore';
  const serverOptions = { command, args: ['lsp'] };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'leadscore' },
      { scheme: 'untitled', language: 'leadscore' },
    ],
    // Files a model reads without being open (used models, list files):
    // the server re-checks the open models when one changes.
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{score,txt}'),
    },
  };
  return new LanguageClient('leadscore', 'leadscore', serverOptions, clientOptions);
}

async function restart() {
  if (client) {
    await client.stop();
  }
  client = createClient();
  await client.start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('leadscore.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('leadscore.path')) {
        restart();
      }
    }),
  );
  await restart();
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
