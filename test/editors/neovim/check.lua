-- Neovim 0.7 as a real LSP client of the chainrule server: opens the seed's bug, waits for the
-- matmul-mismatch diagnostic, reads a hover, applies the preferred quick fix, waits for the
-- diagnostic to go, and writes what it saw as JSON to $CHAINRULE_NVIM_OUT (then quits).
-- Driven by test/editors/neovim.test.ts; $CHAINRULE_SERVER_CMD is the server command as JSON.

local out_path = os.getenv("CHAINRULE_NVIM_OUT")
local result = { steps = {} }

local function finish(code)
  local f = assert(io.open(out_path, "w"))
  f:write(vim.fn.json_encode(result))
  f:close()
  if code == 0 then vim.cmd("qall!") else vim.cmd("cquit " .. code) end
end

local function fail(message)
  result.error = message
  finish(1)
end

local ok, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  -- Headless --clean has no filetype detection worth relying on: say it.
  vim.bo[buf].filetype = "typescript"
  local client_id = vim.lsp.start_client({
    name = "chainrule",
    cmd = vim.fn.json_decode(os.getenv("CHAINRULE_SERVER_CMD")),
    root_dir = vim.fn.getcwd(),
  })
  if not client_id then return fail("start_client failed") end
  vim.lsp.buf_attach_client(buf, client_id)

  -- 1. The diagnostic arrives (vim.wait runs the event loop until the predicate holds).
  if not vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
    return fail("no diagnostic within 30 s")
  end
  local diags = vim.diagnostic.get(buf)
  result.diagnostics = {}
  for _, d in ipairs(diags) do
    table.insert(result.diagnostics, { code = d.code, source = d.source, message = d.message, lnum = d.lnum, col = d.col })
  end
  table.insert(result.steps, "diagnostic")

  local client = vim.lsp.get_client_by_id(client_id)
  local d = diags[1]
  local uri = vim.uri_from_bufnr(buf)

  -- 2. Hover on the operator the diagnostic points at.
  local line = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1]
  local col = line:find("matmul(h.mul", 1, true)
  local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
    textDocument = { uri = uri }, position = { line = d.lnum, character = col + 1 },
  }, 10000)
  for _, r in pairs(hover or {}) do
    if r.result and r.result.contents then result.hover = r.result.contents.value or r.result.contents end
  end
  table.insert(result.steps, "hover")

  -- 3. Quick fix: the code action request carries the diagnostic as Neovim stores it (with data).
  local lsp_diags = vim.lsp.diagnostic.get_line_diagnostics(buf, d.lnum)
  local actions = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", {
    textDocument = { uri = uri },
    range = lsp_diags[1].range,
    context = { diagnostics = lsp_diags },
  }, 10000)
  local preferred
  result.actions = {}
  for _, r in pairs(actions or {}) do
    for _, a in ipairs(r.result or {}) do
      table.insert(result.actions, { title = a.title, isPreferred = a.isPreferred or false })
      if a.isPreferred then preferred = a end
    end
  end
  if not preferred then return fail("no preferred quick fix") end
  vim.lsp.util.apply_workspace_edit(preferred.edit, client.offset_encoding)
  table.insert(result.steps, "fix applied")

  -- 4. The diagnostic goes away for the edited buffer.
  if not vim.wait(30000, function() return #vim.diagnostic.get(buf) == 0 end, 50) then
    return fail("diagnostic still there after the fix")
  end
  table.insert(result.steps, "diagnostic cleared")
  result.fixed_line = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1]
  finish(0)
end)
if not ok then fail(tostring(err)) end
