<#
.SYNOPSIS
Carries out one licplan bundle (a stage or a wave of a plan) in Microsoft Entra through
Microsoft Graph, op by op, idempotently, with a journal to resume from.

.DESCRIPTION
This runner is the same file in every bundle: it holds no tenant data. It reads manifest.json
(schema licplan-bundle/1) as data and, for each op in order:
  1. resolves the ids of the groups the plan creates ({placeholder:<uniqueName>}) from the
     journal or from Graph (GET /groups(uniqueName='...')), recording them in the journal;
  2. reads the state the op's checks name (GETs batched 20 at a time through /$batch);
  3. skips the op when its postcondition already holds (a re-run is a no-op);
  4. refuses the op when its precondition does not hold (a stale op), unless -Force;
  5. sends the op's request with Invoke-MgGraphRequest inside ShouldProcess (-WhatIf, -Confirm),
     pacing writes below the manifest's rate and honouring Retry-After;
  6. re-reads the postcondition: the op is done only when it holds.
It stops at the first unexpected outcome. Every op is appended to journal.csv (undo:
undo-journal.csv) beside the manifest, with the columns
time_utc,op_id,target,http_status,request_id,outcome,message; the whole run goes to
transcript-<stage>[-w<wave>][-undo]-<utc>.txt. A write that answered 5xx is never sent again
blindly: the runner re-reads the postcondition and stops when it does not hold.
Needs the module Microsoft.Graph.Authentication (Install-Module Microsoft.Graph.Authentication).

.PARAMETER PlanHash
The plan's hash as printed in the plan report (sha256:...). The runner refuses a manifest whose
plan.hash differs.

.PARAMETER Manifest
The bundle's manifest; by default manifest.json beside this script.

.PARAMETER Force
Runs an op whose precondition no longer holds (the tenant changed since the export) instead of
stopping. The journal records the op as forced.

.PARAMETER Resume
Continues after the last op the journal records as done or already-done.

.PARAMETER TenantId
The tenant to connect to; compared with the manifest's export.tenant_id and with the tenant of the
Graph connection.

.PARAMETER TimeoutMinutes
Overrides each wait-for-processing op's timeout (minutes).

.PARAMETER Undo
Runs the manifest's undo ops (used by undo.ps1; run undo.ps1 rather than this switch).

.EXAMPLE
.\apply.ps1 -PlanHash sha256:0123... -WhatIf
Dry run: reads the tenant, prints what each op would do, writes nothing to the tenant.

.EXAMPLE
.\apply.ps1 -PlanHash sha256:0123... -Confirm:$false
Runs every op without asking for each one.

.EXAMPLE
.\apply.ps1 -PlanHash sha256:0123... -Resume
Continues a run that stopped with exit code 3.

.NOTES
EXIT CODES
  0  every op done or already done (a -WhatIf run: nothing stale found)
  1  an unexpected outcome: the run stopped; see the journal and the transcript
  2  refused before any write, or a stale op: plan hash or tenant mismatch, unusable manifest,
     missing module, a precondition that no longer holds (without -Force)
  3  stopped part-way and resumable: group processing not complete within the timeout, throttled
     beyond the retry budget, an op declined at the prompt; run again with -Resume
#>
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory = $true)]
    [string]$PlanHash,

    [string]$Manifest = '',

    [switch]$Force,

    [switch]$Resume,

    [string]$TenantId = '',

    [ValidateRange(0, 10080)]
    [int]$TimeoutMinutes = 0,

    [Parameter(DontShow = $true)]
    [switch]$Undo
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:Runner = $PSCmdlet
$script:DryRun = [bool]$WhatIfPreference
$script:Utf8 = New-Object System.Text.UTF8Encoding($false)
$script:ExitCode = 1
$script:Schema = 'licplan-bundle/1'
$script:GuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
$script:TokenPattern = '\{placeholder:([^{}]+)\}'
$script:OpKinds = @('create-group', 'assign-group-license', 'change-group-license',
    'remove-group-license', 'delete-group', 'add-members', 'remove-member',
    'assign-direct-license', 'change-direct-license', 'remove-direct-license',
    'set-usage-location', 'reprocess', 'wait-for-processing')
$script:CheckKinds = @('user-direct-license', 'user-group-license', 'member', 'group-exists',
    'group-license', 'group-processing-complete', 'usage-location')
$script:AsyncChecks = @('user-group-license', 'group-processing-complete')
$script:JournalColumns = 'time_utc,op_id,target,http_status,request_id,outcome,message'
$script:UserSelect = '?$select=id,assignedLicenses,licenseAssignmentStates,usageLocation'
$script:GroupSelect = '?$select=id,assignedLicenses,licenseProcessingState'
$script:MaxThrottleRetries = 10
$script:Cache = @{}
$script:Resolved = @{}
$script:DryRunCreated = @{}
$script:DryRunWrites = 0
$script:DryRunStale = 0
$script:WriteTimes = New-Object System.Collections.Generic.Queue[datetime]

# ---- small helpers -----------------------------------------------------------------------------

function Stop-Run {
    param([int]$Code, [string]$Message)
    $e = New-Object System.InvalidOperationException($Message)
    $e.Data['licplan-exit'] = $Code
    throw $e
}

function Get-Prop {
    param($Object, [string]$Name)
    if ($null -eq $Object) { return $null }
    if ($Object -is [System.Collections.IDictionary]) {
        foreach ($k in @($Object.Keys)) { if ([string]$k -eq $Name) { return $Object[$k] } }
        return $null
    }
    $p = $Object.PSObject.Properties[$Name]
    if ($null -eq $p) { return $null }
    return $p.Value
}

function Get-List {
    param($Object, [string]$Name)
    $v = Get-Prop $Object $Name
    if ($null -eq $v) { return }
    return $v
}

function Test-HasProp {
    param($Object, [string]$Name)
    if ($null -eq $Object -or $Object -is [string] -or $Object -is [array]) { return $false }
    return ($null -ne $Object.PSObject.Properties[$Name])
}

function Get-UtcStamp {
    return ([DateTime]::UtcNow.ToString('s', [Globalization.CultureInfo]::InvariantCulture) + 'Z')
}

function Write-Step {
    param([string]$Text)
    Write-Host $Text
}

function ConvertTo-Lower {
    param($Text)
    if ($null -eq $Text) { return '' }
    return ([string]$Text).ToLowerInvariant()
}

function Test-SameSet {
    param($Left, $Right)
    $a = @(@($Left) | Where-Object { $null -ne $_ } | ForEach-Object { ConvertTo-Lower $_ } | Sort-Object -Unique)
    $b = @(@($Right) | Where-Object { $null -ne $_ } | ForEach-Object { ConvertTo-Lower $_ } | Sort-Object -Unique)
    return (($a -join ',') -eq ($b -join ','))
}

function ConvertTo-CsvField {
    param($Text)
    if ($null -eq $Text) { return '' }
    $t = ([string]$Text) -replace '[\x00-\x1F\x7F]', ' '
    if ($t -match '^[=+\-@]') { $t = "'" + $t }
    if ($t -match '[",]') { $t = '"' + $t.Replace('"', '""') + '"' }
    return $t
}

function ConvertTo-JsonString {
    param([string]$Text)
    return (ConvertTo-Json -InputObject $Text -Compress)
}

# ---- journal -----------------------------------------------------------------------------------

function Add-JournalRow {
    param([string]$OpId, [string]$Target, $Status, [string]$RequestId, [string]$Outcome, [string]$Message)
    if (-not (Test-Path -LiteralPath $script:JournalPath -PathType Leaf)) {
        [System.IO.File]::AppendAllText($script:JournalPath, $script:JournalColumns + "`r`n", $script:Utf8)
    }
    $fields = @((Get-UtcStamp), $OpId, $Target, [string]$Status, $RequestId, $Outcome, $Message)
    $line = (@($fields | ForEach-Object { ConvertTo-CsvField $_ }) -join ',') + "`r`n"
    [System.IO.File]::AppendAllText($script:JournalPath, $line, $script:Utf8)
}

function Read-Journal {
    param([string]$Path)
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return }
    $rows = @(Import-Csv -LiteralPath $Path -Encoding UTF8)
    foreach ($row in $rows) {
        foreach ($column in @('op_id', 'target', 'outcome', 'message')) {
            if (-not (Test-HasProp $row $column)) {
                Stop-Run 2 ('journal ' + $Path + ' has no column ' + $column + '; move it aside to start afresh')
            }
        }
    }
    return $rows
}

function Write-Outcome {
    param($Op, [string]$Target, $Status, [string]$RequestId, [string]$Outcome, [string]$Message)
    Add-JournalRow -OpId $Op.id -Target $Target -Status $Status -RequestId $RequestId -Outcome $Outcome -Message $Message
    $line = '[' + $Op.id + '] ' + $Outcome + ': ' + $Op.summary
    if ($Message) { $line = $line + ' (' + $Message + ')' }
    Write-Step $line
}

# ---- Graph calls -------------------------------------------------------------------------------

function Get-HeaderValue {
    param($Headers, [string]$Name)
    if ($null -eq $Headers) { return $null }
    $keys = @()
    if ($Headers -is [System.Collections.IDictionary]) { $keys = @($Headers.Keys) }
    else { $keys = @($Headers.PSObject.Properties | ForEach-Object { $_.Name }) }
    foreach ($k in $keys) {
        if ([string]$k -ieq $Name) {
            $v = Get-Prop $Headers ([string]$k)
            return (@($v) -join ',')
        }
    }
    return $null
}

function Get-RetryAfter {
    param($Headers)
    $v = Get-HeaderValue $Headers 'Retry-After'
    $seconds = 0
    if ($v -and [int]::TryParse(([string]$v).Trim(), [ref]$seconds)) { return [Math]::Max(1, $seconds) }
    return -1
}

function Wait-WriteSlot {
    $window = [double]$script:WindowSeconds
    while ($true) {
        $now = [DateTime]::UtcNow
        while ($script:WriteTimes.Count -gt 0 -and ($now - $script:WriteTimes.Peek()).TotalSeconds -ge $window) {
            [void]$script:WriteTimes.Dequeue()
        }
        if ($script:WriteTimes.Count -lt $script:WritesPerWindow) { break }
        $wait = $window - ($now - $script:WriteTimes.Peek()).TotalSeconds
        Start-Sleep -Milliseconds ([int][Math]::Ceiling([Math]::Max(0.05, $wait) * 1000))
    }
    $script:WriteTimes.Enqueue([DateTime]::UtcNow)
}

function Invoke-GraphCall {
    param([string]$Method, [string]$Uri, [string]$Body, [hashtable]$Headers, [switch]$IsWrite)
    $throttled = 0
    while ($true) {
        if ($IsWrite) { Wait-WriteSlot }
        $statusCode = 0
        $responseHeaders = $null
        $text = $null
        $failure = ''
        $params = @{
            Method                  = $Method
            Uri                     = $Uri
            OutputType              = 'Json'
            SkipHttpErrorCheck      = $true
            StatusCodeVariable      = 'statusCode'
            ResponseHeadersVariable = 'responseHeaders'
        }
        if ($null -ne $Headers -and $Headers.Count -gt 0) { $params['Headers'] = $Headers }
        if ($Body) {
            $params['Body'] = $Body
            $params['ContentType'] = 'application/json'
        }
        try {
            $text = Invoke-MgGraphRequest @params
        } catch {
            $failure = $_.Exception.Message
            $statusCode = 0
        }
        $json = $null
        if ($text -is [string] -and $text.Trim().Length -gt 0) {
            try { $json = ConvertFrom-Json -InputObject $text } catch { $json = $null }
        }
        $response = [pscustomobject]@{
            Status     = [int]$statusCode
            Text       = [string]$text
            Json       = $json
            Failure    = $failure
            RequestId  = [string](Get-HeaderValue $responseHeaders 'request-id')
            RetryAfter = (Get-RetryAfter $responseHeaders)
        }
        $retryable = ($response.Status -eq 429) -or ($response.Status -eq 503 -and $response.RetryAfter -ge 0)
        if (-not $retryable) { return $response }
        $throttled++
        if ($throttled -gt $script:MaxThrottleRetries) {
            Stop-Run 3 ('throttled ' + $throttled + ' times on ' + $Method + ' ' + $Uri + '; run again later with -Resume')
        }
        $wait = $response.RetryAfter
        if ($wait -lt 0) { $wait = [int][Math]::Min(300, 5 * [Math]::Pow(2, $throttled - 1)) }
        Write-Step ('throttled (HTTP ' + $response.Status + '): waiting ' + $wait + ' s before sending the same request again')
        Start-Sleep -Seconds $wait
    }
}

function Get-GraphObject {
    param([string]$Uri)
    for ($attempt = 0; ; $attempt++) {
        $r = Invoke-GraphCall -Method 'GET' -Uri $Uri
        if (($r.Status -eq 0 -or $r.Status -ge 500) -and $attempt -lt 4) {
            Start-Sleep -Seconds ([int](5 * [Math]::Pow(2, $attempt)))
            continue
        }
        if ($r.Status -eq 0) { Stop-Run 1 ('GET ' + $Uri + ' failed: ' + $r.Failure) }
        return $r
    }
}

function Get-GraphError {
    param($Response)
    $err = Get-Prop $Response.Json 'error'
    if ($null -eq $err) { $err = Get-Prop (Get-Prop $Response 'Body') 'error' }
    $code = [string](Get-Prop $err 'code')
    $message = [string](Get-Prop $err 'message')
    if (-not $code -and -not $message) {
        if ($Response.Failure) { return $Response.Failure }
        return ('HTTP ' + $Response.Status)
    }
    return ($code + ': ' + $message)
}

function Get-GraphBatch {
    param([string[]]$Uris)
    $results = @{}
    $pending = New-Object System.Collections.Generic.List[string]
    foreach ($u in $Uris) { if (-not $pending.Contains($u)) { $pending.Add($u) } }
    $round = 0
    while ($pending.Count -gt 0) {
        $round++
        if ($round -gt $script:MaxThrottleRetries) {
            Stop-Run 3 ('reads still throttled or failing after ' + $script:MaxThrottleRetries + ' rounds; run again later with -Resume')
        }
        $retry = New-Object System.Collections.Generic.List[string]
        $wait = 0
        for ($start = 0; $start -lt $pending.Count; $start += 20) {
            $chunk = @($pending.GetRange($start, [Math]::Min(20, $pending.Count - $start)))
            $parts = New-Object System.Collections.Generic.List[string]
            for ($k = 0; $k -lt $chunk.Count; $k++) {
                $parts.Add('{"id":"' + ($k + 1) + '","method":"GET","url":' + (ConvertTo-JsonString $chunk[$k]) + '}')
            }
            $body = '{"requests":[' + ($parts -join ',') + ']}'
            $r = Invoke-GraphCall -Method 'POST' -Uri 'v1.0/$batch' -Body $body
            $answered = @{}
            if ($r.Status -eq 200 -and $null -ne $r.Json) {
                foreach ($resp in (Get-List $r.Json 'responses')) {
                    $index = 0
                    if (-not [int]::TryParse([string](Get-Prop $resp 'id'), [ref]$index)) { continue }
                    if ($index -lt 1 -or $index -gt $chunk.Count) { continue }
                    $u = $chunk[$index - 1]
                    $status = [int](Get-Prop $resp 'status')
                    if ($status -eq 429 -or $status -ge 500) {
                        $ra = Get-RetryAfter (Get-Prop $resp 'headers')
                        $wait = [Math]::Max($wait, $ra)
                        continue
                    }
                    $answered[$u] = $true
                    $results[$u] = [pscustomobject]@{ Status = $status; Json = (Get-Prop $resp 'body'); Failure = ''; Body = (Get-Prop $resp 'body') }
                }
            } elseif ($r.Status -ne 0 -and $r.Status -lt 500) {
                Stop-Run 1 ('POST /$batch failed: ' + (Get-GraphError $r))
            }
            foreach ($u in $chunk) { if (-not $answered.ContainsKey($u)) { $retry.Add($u) } }
        }
        if ($retry.Count -gt 0) {
            if ($wait -le 0) { $wait = [int][Math]::Min(120, 5 * [Math]::Pow(2, $round - 1)) }
            Write-Step ('' + $retry.Count + ' reads throttled or failed: waiting ' + $wait + ' s before reading them again')
            Start-Sleep -Seconds $wait
        }
        $pending = $retry
    }
    return $results
}

# ---- placeholders: the groups the plan creates -------------------------------------------------

function Get-Tokens {
    param([string]$Text)
    $names = @()
    if (-not $Text) { return }
    foreach ($m in [regex]::Matches($Text, $script:TokenPattern)) { $names += $m.Groups[1].Value }
    return $names
}

function Get-OpTexts {
    param($Op)
    $texts = New-Object System.Collections.Generic.List[string]
    $texts.Add([string]$Op.target.id)
    $request = Get-Prop $Op 'request'
    if ($null -ne $request) { $texts.Add([string](Get-Prop $request 'url')) }
    $wait = Get-Prop $Op 'wait'
    if ($null -ne $wait) { $texts.Add([string](Get-Prop $wait 'group')) }
    foreach ($side in @('precondition', 'postcondition')) {
        foreach ($check in (Get-List (Get-Prop $Op $side) 'checks')) {
            $texts.Add([string](Get-Prop $check 'user'))
            $texts.Add([string](Get-Prop $check 'group'))
        }
    }
    return $texts
}

function Get-GroupByUniqueName {
    param([string]$Name)
    $key = [uri]::EscapeDataString($Name.Replace("'", "''"))
    return (Get-GraphObject ('v1.0/groups(uniqueName=' + "'" + $key + "'" + ')?$select=id'))
}

function Set-Resolved {
    param($Op, [string]$Name, [string]$Id)
    if ($Id -notmatch $script:GuidPattern) { Stop-Run 1 ('Graph returned no object id for group ' + $Name) }
    $script:Resolved[$Name] = $Id.ToLowerInvariant()
    Add-JournalRow -OpId $Op.id -Target ('{placeholder:' + $Name + '}') -Status '' -RequestId '' -Outcome 'resolved-placeholder' -Message $script:Resolved[$Name]
    Write-Step ('[' + $Op.id + '] resolved-placeholder: group ' + $Name + ' is ' + $script:Resolved[$Name])
}

function Resolve-OpPlaceholders {
    param($Op)
    foreach ($text in (Get-OpTexts $Op)) {
        foreach ($name in (Get-Tokens $text)) {
            if ($script:Resolved.ContainsKey($name) -or $script:DryRunCreated.ContainsKey($name)) { continue }
            $r = Get-GroupByUniqueName $name
            if ($r.Status -eq 200) { Set-Resolved $Op $name ([string](Get-Prop $r.Json 'id')) }
            elseif ($r.Status -ne 404) { Stop-Run 1 ('reading group ' + $name + ' failed: ' + (Get-GraphError $r)) }
        }
    }
}

function Test-WaitsOnDryRunGroup {
    param($Op)
    foreach ($text in (Get-OpTexts $Op)) {
        foreach ($name in (Get-Tokens $text)) {
            if ($script:DryRunCreated.ContainsKey($name)) { return $name }
        }
    }
    return $null
}

# An id or a URL with every placeholder replaced by the group's id; $null while a group is unknown.
function Resolve-Text {
    param([string]$Text)
    if ($null -eq $Text) { return $null }
    $out = $Text
    foreach ($name in (Get-Tokens $Text)) {
        if (-not $script:Resolved.ContainsKey($name)) { return $null }
        $out = $out.Replace('{placeholder:' + $name + '}', $script:Resolved[$name])
    }
    return $out
}

function Get-TargetText {
    param($Op)
    $id = Resolve-Text ([string]$Op.target.id)
    if ($null -eq $id) { $id = [string]$Op.target.id }
    return ([string]$Op.target.type + ' ' + $id)
}

# ---- reading state -----------------------------------------------------------------------------

function Get-UserUri {
    param([string]$Id)
    return ('/users/' + $Id + $script:UserSelect)
}
function Get-GroupUri {
    param([string]$Id)
    return ('/groups/' + $Id + $script:GroupSelect)
}
function Get-MemberOfUri {
    param([string]$Id)
    return ('/users/' + $Id + '/memberOf/microsoft.graph.group?$select=id')
}

function Get-CheckUris {
    param($Check)
    $uris = @()
    $kind = [string](Get-Prop $Check 'check')
    $user = Resolve-Text ([string](Get-Prop $Check 'user'))
    $group = Resolve-Text ([string](Get-Prop $Check 'group'))
    switch ($kind) {
        'member' { if ($user) { $uris += (Get-MemberOfUri $user) } }
        'user-direct-license' { if ($user) { $uris += (Get-UserUri $user) } }
        'user-group-license' { if ($user) { $uris += (Get-UserUri $user) } }
        'usage-location' { if ($user) { $uris += (Get-UserUri $user) } }
        default { if ($group) { $uris += (Get-GroupUri $group) } }
    }
    return $uris
}

function Get-OpChecks {
    param($Op)
    return @(@(Get-List (Get-Prop $Op 'precondition') 'checks') + @(Get-List (Get-Prop $Op 'postcondition') 'checks'))
}

function Add-MemberPages {
    param([string]$Uri, $Result)
    $ids = New-Object System.Collections.Generic.HashSet[string]
    $page = $Result
    while ($true) {
        if ($page.Status -ne 200) { break }
        foreach ($g in (Get-List $page.Json 'value')) { [void]$ids.Add((ConvertTo-Lower (Get-Prop $g 'id'))) }
        $next = [string](Get-Prop $page.Json '@odata.nextLink')
        if (-not $next) { break }
        if (-not $next.StartsWith('https://graph.microsoft.com/', [StringComparison]::OrdinalIgnoreCase)) {
            Stop-Run 1 ('unexpected next page address for ' + $Uri)
        }
        $page = Get-GraphObject $next
    }
    return [pscustomobject]@{ Status = $Result.Status; Json = $Result.Json; Failure = ''; Body = $null; Members = $ids }
}

# Reads what the checks of this op (and of the next ones, up to 20 reads) name into the cache.
function Read-StateFor {
    param([int]$Index)
    $wanted = New-Object System.Collections.Generic.List[string]
    for ($i = $Index; $i -lt $script:Ops.Count -and $wanted.Count -lt 20; $i++) {
        $op = $script:Ops[$i]
        if ($i -gt $Index -and (Test-OpHasUnresolved $op)) { continue }
        foreach ($check in (Get-OpChecks $op)) {
            foreach ($u in (Get-CheckUris $check)) {
                if (-not $script:Cache.ContainsKey($u) -and -not $wanted.Contains($u)) { $wanted.Add($u) }
            }
        }
        if ($i -eq $Index -and [string]$op.kind -eq 'add-members') {
            foreach ($user in (Get-BindUsers $op)) {
                $u = Get-MemberOfUri $user
                if (-not $script:Cache.ContainsKey($u) -and -not $wanted.Contains($u)) { $wanted.Add($u) }
            }
        }
    }
    if ($wanted.Count -eq 0) { return }
    $results = Get-GraphBatch ([string[]]$wanted.ToArray())
    foreach ($u in $wanted) {
        $r = $results[$u]
        if ($r.Status -ne 200 -and $r.Status -ne 404) {
            Stop-Run 1 ('GET ' + $u + ' answered HTTP ' + $r.Status + ': ' + (Get-GraphError $r))
        }
        if ($u.Contains('/memberOf/')) { $r = Add-MemberPages $u $r }
        $script:Cache[$u] = $r
    }
}

function Test-OpHasUnresolved {
    param($Op)
    foreach ($text in (Get-OpTexts $Op)) {
        foreach ($name in (Get-Tokens $text)) { if (-not $script:Resolved.ContainsKey($name)) { return $true } }
    }
    return $false
}

function Get-Cached {
    param([string]$Uri)
    if (-not $script:Cache.ContainsKey($Uri)) {
        $r = Get-GraphObject ('v1.0' + $Uri)
        if ($r.Status -ne 200 -and $r.Status -ne 404) {
            Stop-Run 1 ('GET ' + $Uri + ' answered HTTP ' + $r.Status + ': ' + (Get-GraphError $r))
        }
        if ($Uri.Contains('/memberOf/')) { $r = Add-MemberPages $Uri $r }
        $script:Cache[$Uri] = $r
    }
    return $script:Cache[$Uri]
}

# After a write: forget what it may have changed. A write to a group reaches its members, so
# every cached read goes; a write to one user drops that user's reads.
function Clear-StateAfter {
    param($Op)
    if ([string]$Op.target.type -eq 'group') { $script:Cache = @{}; return }
    $id = ConvertTo-Lower (Resolve-Text ([string]$Op.target.id))
    foreach ($k in @($script:Cache.Keys)) {
        if ((ConvertTo-Lower $k).StartsWith('/users/' + $id)) { $script:Cache.Remove($k) }
    }
}

# ---- checks ------------------------------------------------------------------------------------

function New-Verdict {
    param([bool]$Holds, [string]$Text)
    return [pscustomobject]@{ Holds = $Holds; Text = $Text }
}

function Get-UserState {
    param([string]$User)
    $r = Get-Cached (Get-UserUri $User)
    if ($r.Status -eq 404) { return $null }
    return $r.Json
}

function Get-GroupState {
    param([string]$Group)
    if ($null -eq $Group -or $Group -eq '') { return $null }
    $r = Get-Cached (Get-GroupUri $Group)
    if ($r.Status -eq 404) { return $null }
    return $r.Json
}

function Test-UserDirectLicense {
    param($Check, [string]$User)
    $sku = ConvertTo-Lower (Get-Prop $Check 'sku')
    $present = [bool](Get-Prop $Check 'present')
    $state = Get-UserState $User
    if ($null -eq $state) { return (New-Verdict $false ('user ' + $User + ' not found')) }
    $direct = @(Get-List $state 'licenseAssignmentStates' | Where-Object {
            (ConvertTo-Lower (Get-Prop $_ 'skuId')) -eq $sku -and -not (Get-Prop $_ 'assignedByGroup')
        })
    if (-not $present) {
        if ($direct.Count -eq 0) { return (New-Verdict $true '') }
        return (New-Verdict $false ('user ' + $User + ' still holds ' + $sku + ' directly'))
    }
    if ($direct.Count -eq 0) { return (New-Verdict $false ('user ' + $User + ' does not hold ' + $sku + ' directly')) }
    $want = Get-List $Check 'disabled_plans'
    $have = Get-List $direct[0] 'disabledPlans'
    if (Test-SameSet $want $have) { return (New-Verdict $true '') }
    return (New-Verdict $false ('user ' + $User + ' holds ' + $sku + ' directly with disabled plans [' +
            (@($have) -join ' ') + '], expected [' + (@($want) -join ' ') + ']'))
}

function Test-UserGroupLicense {
    param($Check, [string]$User, [string]$Group)
    $sku = ConvertTo-Lower (Get-Prop $Check 'sku')
    $want = Get-Prop $Check 'state'
    $state = Get-UserState $User
    if ($null -eq $state) { return (New-Verdict $false ('user ' + $User + ' not found')) }
    $found = @()
    if ($Group) {
        $found = @(Get-List $state 'licenseAssignmentStates' | Where-Object {
                (ConvertTo-Lower (Get-Prop $_ 'skuId')) -eq $sku -and (ConvertTo-Lower (Get-Prop $_ 'assignedByGroup')) -eq (ConvertTo-Lower $Group)
            })
    }
    if ($null -eq $want) {
        if ($found.Count -eq 0) { return (New-Verdict $true '') }
        return (New-Verdict $false ('user ' + $User + ' still holds ' + $sku + ' through group ' + $Group))
    }
    if ($found.Count -eq 0) {
        return (New-Verdict $false ('user ' + $User + ' does not hold ' + $sku + ' through group ' + $Group))
    }
    $have = [string](Get-Prop $found[0] 'state')
    if ($have -eq [string]$want) { return (New-Verdict $true '') }
    $err = [string](Get-Prop $found[0] 'error')
    return (New-Verdict $false ('user ' + $User + ' holds ' + $sku + ' through group ' + $Group + ' in state ' + $have + ' ' + $err).Trim())
}

function Test-Member {
    param($Check, [string]$User, [string]$Group)
    $present = [bool](Get-Prop $Check 'present')
    $isMember = $false
    if ($Group) {
        $r = Get-Cached (Get-MemberOfUri $User)
        if ($r.Status -eq 404) { return (New-Verdict $false ('user ' + $User + ' not found')) }
        $isMember = $r.Members.Contains((ConvertTo-Lower $Group))
    }
    if ($isMember -eq $present) { return (New-Verdict $true '') }
    if ($present) { return (New-Verdict $false ('user ' + $User + ' is not a member of group ' + $Group)) }
    return (New-Verdict $false ('user ' + $User + ' is still a member of group ' + $Group))
}

function Test-GroupLicense {
    param($Check, [string]$Group, $State)
    $sku = ConvertTo-Lower (Get-Prop $Check 'sku')
    $present = [bool](Get-Prop $Check 'present')
    $found = @(Get-List $State 'assignedLicenses' | Where-Object { (ConvertTo-Lower (Get-Prop $_ 'skuId')) -eq $sku })
    if (-not $present) {
        if ($found.Count -eq 0) { return (New-Verdict $true '') }
        return (New-Verdict $false ('group ' + $Group + ' still assigns ' + $sku))
    }
    if ($found.Count -eq 0) { return (New-Verdict $false ('group ' + $Group + ' does not assign ' + $sku)) }
    $want = Get-List $Check 'disabled_plans'
    $have = Get-List $found[0] 'disabledPlans'
    if (Test-SameSet $want $have) { return (New-Verdict $true '') }
    return (New-Verdict $false ('group ' + $Group + ' assigns ' + $sku + ' with disabled plans [' +
            (@($have) -join ' ') + '], expected [' + (@($want) -join ' ') + ']'))
}

function Test-Check {
    param($Check)
    $kind = [string](Get-Prop $Check 'check')
    $userRaw = [string](Get-Prop $Check 'user')
    $groupRaw = [string](Get-Prop $Check 'group')
    $user = Resolve-Text $userRaw
    $group = Resolve-Text $groupRaw
    if ($groupRaw -and -not $group) { $group = '' }
    if ($kind -eq 'member') { return (Test-Member $Check $user $group) }
    if ($kind -eq 'user-direct-license') { return (Test-UserDirectLicense $Check $user) }
    if ($kind -eq 'user-group-license') { return (Test-UserGroupLicense $Check $user $group) }
    if ($kind -eq 'usage-location') {
        $state = Get-UserState $user
        if ($null -eq $state) { return (New-Verdict $false ('user ' + $user + ' not found')) }
        $want = [string](Get-Prop $Check 'country')
        $have = [string](Get-Prop $state 'usageLocation')
        if ($have -eq $want) { return (New-Verdict $true '') }
        return (New-Verdict $false ('user ' + $user + ' has usage location [' + $have + '], expected [' + $want + ']'))
    }
    $groupState = Get-GroupState $group
    $shown = $group
    if (-not $shown) { $shown = $groupRaw }
    if ($kind -eq 'group-exists') {
        $present = [bool](Get-Prop $Check 'present')
        if (($null -ne $groupState) -eq $present) { return (New-Verdict $true '') }
        if ($present) { return (New-Verdict $false ('group ' + $shown + ' does not exist')) }
        return (New-Verdict $false ('group ' + $shown + ' still exists'))
    }
    if ($null -eq $groupState) {
        if ($kind -eq 'group-license' -and -not [bool](Get-Prop $Check 'present')) { return (New-Verdict $true '') }
        return (New-Verdict $false ('group ' + $shown + ' does not exist'))
    }
    if ($kind -eq 'group-license') { return (Test-GroupLicense $Check $group $groupState) }
    if ($kind -eq 'group-processing-complete') {
        $state = [string](Get-Prop (Get-Prop $groupState 'licenseProcessingState') 'state')
        if ($state -eq 'ProcessingComplete') { return (New-Verdict $true '') }
        return (New-Verdict $false ('group ' + $shown + ' license processing is ' + $state))
    }
    Stop-Run 2 ('unknown check ' + $kind)
}

# Evaluates a condition's checks: All (every check holds), Settled (every check that does not
# wait for Entra's license processing holds), HasSettled, and the failures' texts.
function Test-Condition {
    param($Condition, [switch]$SettledOnly)
    $all = $true
    $settled = $true
    $hasSettled = $false
    $failures = New-Object System.Collections.Generic.List[string]
    foreach ($check in (Get-List $Condition 'checks')) {
        $async = $script:AsyncChecks -contains [string](Get-Prop $check 'check')
        if ($SettledOnly -and $async) { continue }
        if (-not $async) { $hasSettled = $true }
        $v = Test-Check $check
        if (-not $v.Holds) {
            $all = $false
            if (-not $async) { $settled = $false }
            $failures.Add($v.Text)
        }
    }
    return [pscustomobject]@{ All = $all; Settled = $settled; HasSettled = $hasSettled; Failures = ($failures -join '; ') }
}

# The postcondition as a write can show it at once: Entra's license processing is the wait op's job.
function Test-Landed {
    param($Op)
    $delays = @(0, 2, 5, 10, 20)
    $result = $null
    foreach ($d in $delays) {
        if ($d -gt 0) { Start-Sleep -Seconds $d }
        $script:Cache = @{}
        Resolve-OpPlaceholders $Op
        $result = Test-Condition $Op.postcondition -SettledOnly
        if ($result.All) { return $result }
    }
    return $result
}

# ---- ops ---------------------------------------------------------------------------------------

function Get-BindUsers {
    param($Op)
    $users = @()
    $body = Get-Prop (Get-Prop $Op 'request') 'body'
    foreach ($ref in (Get-List $body 'members@odata.bind')) {
        $id = ([string]$ref).Substring(([string]$ref).LastIndexOf('/') + 1)
        $users += $id.ToLowerInvariant()
    }
    return $users
}

function Get-RequestHeaders {
    param($Request)
    $headers = @{}
    $source = Get-Prop $Request 'headers'
    if ($null -eq $source) { return $headers }
    foreach ($p in $source.PSObject.Properties) {
        if ($p.Name -ieq 'Content-Type') { continue }
        $headers[$p.Name] = [string]$p.Value
    }
    return $headers
}

function Get-RequestBody {
    param($Request)
    $raw = Get-Prop $Request 'body_json'
    if ($raw -is [string]) { return $raw }
    $body = Get-Prop $Request 'body'
    if ($null -eq $body) { return $null }
    return (ConvertTo-Json -InputObject $body -Depth 20 -Compress)
}

# The only way a write reaches Graph; every caller runs inside ShouldProcess.
function Send-GraphWrite {
    param([string]$Method, [string]$Uri, [string]$Body, [hashtable]$Headers)
    return (Invoke-GraphCall -Method $Method -Uri ('v1.0' + $Uri) -Body $Body -Headers $Headers -IsWrite)
}

function Send-AddMembers {
    param($Op, [string]$Uri, [hashtable]$Headers)
    $group = ConvertTo-Lower (Resolve-Text ([string]$Op.target.id))
    $missing = @()
    foreach ($user in (Get-BindUsers $Op)) {
        $r = Get-Cached (Get-MemberOfUri $user)
        if ($r.Status -eq 404 -or -not $r.Members.Contains($group)) { $missing += $user }
    }
    if ($missing.Count -eq 0) {
        return [pscustomobject]@{ Status = 204; Text = ''; Json = $null; Failure = ''; RequestId = ''; RetryAfter = -1; Note = 'every user already a member' }
    }
    $refs = @($missing | ForEach-Object { ConvertTo-JsonString ('https://graph.microsoft.com/v1.0/directoryObjects/' + $_) })
    $body = '{"members@odata.bind":[' + ($refs -join ',') + ']}'
    $fresh = ([string]$Op.target.id) -match $script:TokenPattern
    $delays = @(5, 10, 20, 40)
    for ($attempt = 0; ; $attempt++) {
        $r = Send-GraphWrite -Method 'PATCH' -Uri $Uri -Body $body -Headers $Headers
        $r | Add-Member -NotePropertyName Note -NotePropertyValue ('bound ' + $missing.Count + ' of ' + @(Get-BindUsers $Op).Count)
        if ($r.Status -ne 400) { return $r }
        $text = $r.Text + ' ' + (Get-GraphError $r)
        if ($text -match 'already exist' -and $text -match 'members') {
            $r.Status = 204
            $r.Note = 'already members'
            return $r
        }
        if ($fresh -and $text -match 'do not exist' -and $attempt -lt $delays.Count) {
            Write-Step ('[' + $Op.id + '] the new group is not visible everywhere yet: retrying in ' + $delays[$attempt] + ' s')
            Start-Sleep -Seconds $delays[$attempt]
            continue
        }
        return $r
    }
}

function Send-CreateGroup {
    param($Op, [string]$Uri, [string]$Body, [hashtable]$Headers)
    $r = Send-GraphWrite -Method ([string]$Op.request.method) -Uri $Uri -Body $Body -Headers $Headers
    $r | Add-Member -NotePropertyName Note -NotePropertyValue ''
    if ($r.Status -ge 200 -and $r.Status -lt 300) {
        $name = @(Get-Tokens ([string]$Op.target.id))[0]
        $id = [string](Get-Prop $r.Json 'id')
        if ($id -notmatch $script:GuidPattern) {
            $found = Get-GroupByUniqueName $name
            if ($found.Status -eq 200) { $id = [string](Get-Prop $found.Json 'id') }
        }
        if ($id -match $script:GuidPattern) { Set-Resolved $Op $name $id }
        if ($r.Status -eq 204) { $r.Note = 'group existed' }
    }
    return $r
}

# Sends one op's request (runs inside ShouldProcess) and returns the outcome row's values.
function Invoke-OpWrite {
    param($Op, [string]$Target, [string]$Message)
    $request = $Op.request
    $uri = Resolve-Text ([string]$request.url)
    if ($null -eq $uri) { Stop-Run 1 ('op ' + $Op.id + ' names a group that does not exist yet: ' + [string]$request.url) }
    $headers = Get-RequestHeaders $request
    $kind = [string]$Op.kind
    if ($kind -eq 'add-members') {
        Read-StateFor $script:Index
        $r = Send-AddMembers $Op $uri $headers
    } elseif ($kind -eq 'create-group') {
        $r = Send-CreateGroup $Op $uri (Get-RequestBody $request) $headers
    } else {
        $r = Send-GraphWrite -Method ([string]$request.method) -Uri $uri -Body (Get-RequestBody $request) -Headers $headers
        $r | Add-Member -NotePropertyName Note -NotePropertyValue ''
    }
    Clear-StateAfter $Op
    $note = @($Message, $r.Note) | Where-Object { $_ }
    if ($r.Status -ge 200 -and $r.Status -lt 300) {
        $landed = Test-Landed $Op
        if ($landed.All) {
            Write-Outcome $Op $Target $r.Status $r.RequestId 'done' ($note -join '; ')
            return
        }
        Write-Outcome $Op $Target $r.Status $r.RequestId 'failed' ('Graph accepted the write but the postcondition does not hold: ' + $landed.Failures)
        Stop-Run 1 ('op ' + $Op.id + ': the postcondition does not hold after the write')
    }
    if ($r.Status -eq 0 -or $r.Status -ge 500) {
        $landed = Test-Landed $Op
        if ($landed.All) {
            Write-Outcome $Op $Target $r.Status $r.RequestId 'done' ('answered ' + (Get-GraphError $r) + ' but the postcondition holds')
            return
        }
        Write-Outcome $Op $Target $r.Status $r.RequestId 'failed' ((Get-GraphError $r) + '; not sent again: ' + $landed.Failures)
        Stop-Run 1 ('op ' + $Op.id + ': Graph failed and the write may or may not have landed; re-check, then run again with -Resume')
    }
    Write-Outcome $Op $Target $r.Status $r.RequestId 'failed' (Get-GraphError $r)
    Stop-Run 1 ('op ' + $Op.id + ': Graph refused the write')
}

function Invoke-Wait {
    param($Op, [string]$Target)
    $group = Resolve-Text ([string]$Op.wait.group)
    if ($null -eq $group) { Stop-Run 1 ('op ' + $Op.id + ' waits on a group that does not exist: ' + [string]$Op.wait.group) }
    $minutes = [int](Get-Prop $Op.wait 'timeout_minutes')
    if ($script:TimeoutOverride -gt 0) { $minutes = $script:TimeoutOverride }
    $deadline = [DateTime]::UtcNow.AddMinutes($minutes)
    $uri = 'v1.0/groups/' + $group + '?$select=id,licenseProcessingState'
    while ($true) {
        $r = Get-GraphObject $uri
        if ($r.Status -ne 200) {
            Write-Outcome $Op $Target $r.Status $r.RequestId 'failed' ('reading the group failed: ' + (Get-GraphError $r))
            Stop-Run 1 ('op ' + $Op.id + ': the group could not be read')
        }
        $state = [string](Get-Prop (Get-Prop $r.Json 'licenseProcessingState') 'state')
        if ($state -eq 'ProcessingComplete') { break }
        if ([DateTime]::UtcNow -ge $deadline) {
            Write-Outcome $Op $Target $r.Status $r.RequestId 'pending' ('license processing is ' + $state + ' after ' + $minutes + ' min')
            Stop-Run 3 ('op ' + $Op.id + ': group license processing not complete; run again later with -Resume')
        }
        Write-Step ('[' + $Op.id + '] license processing is ' + $state + '; next look in 30 s')
        Start-Sleep -Seconds 30
    }
    $result = $null
    foreach ($d in @(0, 30, 60)) {
        if ($d -gt 0) { Start-Sleep -Seconds $d }
        $script:Cache = @{}
        $result = Test-Condition $Op.postcondition
        if ($result.All) {
            Write-Outcome $Op $Target 200 $r.RequestId 'done' 'license processing complete'
            return
        }
    }
    Write-Outcome $Op $Target 200 $r.RequestId 'failed' ('license processing complete but: ' + $result.Failures)
    Stop-Run 1 ('op ' + $Op.id + ': users are not in the expected state after processing')
}

function Invoke-Op {
    param($Op)
    $target = Get-TargetText $Op
    if ($script:DryRun) {
        $name = Test-WaitsOnDryRunGroup $Op
        if ($null -ne $name) {
            Write-Outcome $Op $target '' '' 'skipped-whatif' ('group ' + $name + ' would be created by an earlier op')
            $script:DryRunWrites++
            return
        }
    }
    Resolve-OpPlaceholders $Op
    $target = Get-TargetText $Op
    Read-StateFor $script:Index
    $post = Test-Condition $Op.postcondition
    $isWait = [string]$Op.kind -eq 'wait-for-processing'
    if ($post.All -or (-not $isWait -and $post.HasSettled -and $post.Settled)) {
        Write-Outcome $Op $target '' '' 'already-done' ''
        return
    }
    $message = ''
    $pre = Test-Condition $Op.precondition
    if (-not $pre.All) {
        if ($script:DryRun -and $script:DryRunWrites -gt 0) {
            Write-Outcome $Op $target '' '' 'skipped-whatif' ('precondition not met before the earlier ops run: ' + $pre.Failures)
            $script:DryRunWrites++
            return
        }
        if (-not $script:ForceRun) {
            Write-Outcome $Op $target '' '' 'stale' $pre.Failures
            if ($script:DryRun) { $script:DryRunStale++; return }
            Stop-Run 2 ('op ' + $Op.id + ' is stale: the tenant changed since the export; re-export and re-plan, or run with -Force')
        }
        $message = 'forced past a stale precondition: ' + $pre.Failures
    }
    if ($isWait) {
        if ($script:DryRun) {
            Write-Outcome $Op $target '' '' 'skipped-whatif' 'would wait for license processing'
            return
        }
        Invoke-Wait $Op $target
        return
    }
    if ($script:Runner.ShouldProcess($target, ([string]$Op.id + ': ' + [string]$Op.summary))) {
        Invoke-OpWrite $Op $target $message
        return
    }
    Write-Outcome $Op $target '' '' 'skipped-whatif' ''
    if ($script:DryRun) {
        $script:DryRunWrites++
        if ([string]$Op.kind -eq 'create-group') {
            foreach ($name in (Get-Tokens ([string]$Op.target.id))) { $script:DryRunCreated[$name] = $true }
        }
        return
    }
    Stop-Run 3 ('op ' + $Op.id + ' declined; run again with -Resume to continue from it')
}

# ---- the manifest ------------------------------------------------------------------------------

function Test-IdField {
    param($Value, [string]$Where, $Problems, [switch]$GuidOnly)
    $text = [string]$Value
    if ($text -match $script:GuidPattern) { return }
    if (-not $GuidOnly -and $text -match ('^' + $script:TokenPattern + '$')) {
        if (-not $script:PlaceholderNames.ContainsKey($Matches[1])) {
            $Problems.Add($Where + ': placeholder ' + $Matches[1] + ' is not listed in placeholders')
        }
        return
    }
    $Problems.Add($Where + ': expected a GUID' + $(if ($GuidOnly) { '' } else { ' or {placeholder:<uniqueName>}' }))
}

# Whether re-serialising a body keeps every array an array (Windows PowerShell can lose them).
function Test-SameShape {
    param($Left, $Right)
    if ($Left -is [array]) {
        if (-not ($Right -is [array]) -or $Left.Count -ne $Right.Count) { return $false }
        for ($i = 0; $i -lt $Left.Count; $i++) { if (-not (Test-SameShape $Left[$i] $Right[$i])) { return $false } }
        return $true
    }
    if ($Left -is [System.Management.Automation.PSCustomObject]) {
        if ($null -eq $Right) { return $false }
        foreach ($p in $Left.PSObject.Properties) {
            $other = $Right.PSObject.Properties[$p.Name]
            if ($null -eq $other) { return $false }
            if (-not (Test-SameShape $p.Value $other.Value)) { return $false }
        }
        return $true
    }
    return ([string]$Left -eq [string]$Right)
}

function Test-CheckShape {
    param($Check, [string]$Where, $Problems)
    $kind = [string](Get-Prop $Check 'check')
    if ($script:CheckKinds -notcontains $kind) { $Problems.Add($Where + ': unknown check [' + $kind + ']'); return }
    if ($kind -in @('user-direct-license', 'user-group-license', 'member', 'usage-location')) {
        Test-IdField (Get-Prop $Check 'user') ($Where + '.user') $Problems -GuidOnly
    }
    if ($kind -in @('user-group-license', 'member', 'group-exists', 'group-license', 'group-processing-complete')) {
        Test-IdField (Get-Prop $Check 'group') ($Where + '.group') $Problems
    }
    if ($kind -in @('user-direct-license', 'user-group-license', 'group-license')) {
        Test-IdField (Get-Prop $Check 'sku') ($Where + '.sku') $Problems -GuidOnly
    }
    if ($kind -in @('user-direct-license', 'member', 'group-exists', 'group-license')) {
        if (-not ((Get-Prop $Check 'present') -is [bool])) { $Problems.Add($Where + '.present: expected true or false') }
    }
    foreach ($plan in (Get-List $Check 'disabled_plans')) {
        Test-IdField $plan ($Where + '.disabled_plans') $Problems -GuidOnly
    }
}

function Test-OpShape {
    param($Op, [string]$Where, $Problems, $Seen)
    $id = [string](Get-Prop $Op 'id')
    if ($id -notmatch '^[su][0-9]+(w[0-9]+)?-[0-9]{4}$') { $Problems.Add($Where + '.id: [' + $id + '] is not an op id'); return }
    if ($Seen.ContainsKey($id)) { $Problems.Add($Where + '.id: ' + $id + ' appears twice') }
    $Seen[$id] = $true
    $kind = [string](Get-Prop $Op 'kind')
    if ($script:OpKinds -notcontains $kind) { $Problems.Add($Where + '.kind: unknown op kind [' + $kind + ']'); return }
    $target = Get-Prop $Op 'target'
    if (@('user', 'group') -notcontains [string](Get-Prop $target 'type')) { $Problems.Add($Where + '.target.type: expected user or group') }
    Test-IdField (Get-Prop $target 'id') ($Where + '.target.id') $Problems
    if (-not ((Get-Prop $Op 'summary') -is [string])) { $Problems.Add($Where + '.summary: missing') }
    foreach ($side in @('precondition', 'postcondition')) {
        $condition = Get-Prop $Op $side
        if ($null -eq $condition -or -not (Test-HasProp $condition 'checks')) { $Problems.Add($Where + '.' + $side + ': missing checks'); continue }
        $i = 0
        foreach ($check in (Get-List $condition 'checks')) {
            Test-CheckShape $check ($Where + '.' + $side + '.checks[' + $i + ']') $Problems
            $i++
        }
    }
    $request = Get-Prop $Op 'request'
    $wait = Get-Prop $Op 'wait'
    if ($kind -eq 'wait-for-processing') {
        if ($null -ne $request) { $Problems.Add($Where + '.request: a wait has no request') }
        if ($null -eq $wait) { $Problems.Add($Where + '.wait: missing'); return }
        Test-IdField (Get-Prop $wait 'group') ($Where + '.wait.group') $Problems
        $minutes = 0
        if (-not [int]::TryParse([string](Get-Prop $wait 'timeout_minutes'), [ref]$minutes) -or $minutes -lt 1) {
            $Problems.Add($Where + '.wait.timeout_minutes: expected a whole number of minutes')
        }
        return
    }
    if ($null -eq $request) { $Problems.Add($Where + '.request: missing'); return }
    if (@('POST', 'PATCH', 'DELETE') -notcontains [string](Get-Prop $request 'method')) {
        $Problems.Add($Where + '.request.method: expected POST, PATCH or DELETE')
    }
    $url = [string](Get-Prop $request 'url')
    if ($url -notmatch '^/(users|groups)[/(]' -or $url -match '[\s#]|\.\.') {
        $Problems.Add($Where + '.request.url: [' + $url + '] is not a Graph path under /users or /groups')
    }
    foreach ($name in (Get-Tokens $url)) {
        if (-not $script:PlaceholderNames.ContainsKey($name)) { $Problems.Add($Where + '.request.url: placeholder ' + $name + ' is not listed') }
    }
    $body = Get-Prop $request 'body'
    if ($null -ne $body -and -not ((Get-Prop $request 'body_json') -is [string])) {
        $again = ConvertFrom-Json -InputObject (Get-RequestBody $request)
        if (-not (Test-SameShape $body $again)) {
            $Problems.Add($Where + '.request.body: this PowerShell does not keep its arrays when re-serialising; use PowerShell 7')
        }
    }
    if ($kind -eq 'add-members' -and @(Get-BindUsers $Op).Count -gt 20) {
        $Problems.Add($Where + '.request.body: more than 20 members to bind')
    }
}

function Read-Manifest {
    param([string]$Path)
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { Stop-Run 2 ('no manifest at ' + $Path) }
    try {
        $m = Get-Content -LiteralPath $Path -Raw -Encoding UTF8 | ConvertFrom-Json
    } catch {
        Stop-Run 2 ($Path + ' is not valid JSON: ' + $_.Exception.Message)
    }
    if ([string](Get-Prop $m 'schema') -ne $script:Schema) {
        Stop-Run 2 ($Path + ': schema is [' + [string](Get-Prop $m 'schema') + '], this runner reads ' + $script:Schema)
    }
    return $m
}

function Test-Manifest {
    param($M, [string]$Path, [string]$ListName)
    $problems = New-Object System.Collections.Generic.List[string]
    $script:PlaceholderNames = @{}
    foreach ($p in (Get-List $M 'placeholders')) {
        $name = [string](Get-Prop $p 'unique_name')
        if (-not $name -or $name -match '[\x00-\x1F{}]') { $problems.Add('placeholders: bad unique_name [' + $name + ']'); continue }
        $script:PlaceholderNames[$name] = $true
    }
    if (-not ([string](Get-Prop (Get-Prop $M 'plan') 'hash'))) { $problems.Add('plan.hash: missing') }
    foreach ($scope in (Get-List $M 'scopes')) {
        if ([string]$scope -notmatch '^[A-Za-z][A-Za-z.]*$') { $problems.Add('scopes: [' + $scope + '] is not a Graph permission name') }
    }
    $pacing = Get-Prop $M 'pacing'
    $writes = 0
    $window = 0
    if (-not [int]::TryParse([string](Get-Prop $pacing 'writes_per_window'), [ref]$writes) -or $writes -lt 1 -or
        -not [int]::TryParse([string](Get-Prop $pacing 'window_seconds'), [ref]$window) -or $window -lt 1) {
        $problems.Add('pacing: expected writes_per_window and window_seconds, whole numbers above 0')
    }
    $script:WritesPerWindow = $writes
    $script:WindowSeconds = $window
    if (-not (Test-HasProp $M $ListName)) { $problems.Add($ListName + ': missing') }
    $seen = @{}
    $i = 0
    foreach ($op in (Get-List $M $ListName)) {
        Test-OpShape $op ($ListName + '[' + $i + ']') $problems $seen
        $i++
    }
    if ($problems.Count -gt 0) {
        $shown = @($problems | Select-Object -First 20)
        $more = ''
        if ($problems.Count -gt 20) { $more = ' (and ' + ($problems.Count - 20) + ' more)' }
        Stop-Run 2 ($Path + ' cannot be run:' + [Environment]::NewLine + '  ' + ($shown -join ([Environment]::NewLine + '  ')) + $more)
    }
}

function ConvertTo-HashText {
    param([string]$Text)
    $t = $Text.Trim().ToLowerInvariant()
    if ($t.StartsWith('sha256:')) { $t = $t.Substring(7) }
    return $t
}

# ---- the run -----------------------------------------------------------------------------------

function Connect-Graph {
    param($M)
    if (-not (Get-Module -ListAvailable -Name 'Microsoft.Graph.Authentication')) {
        Stop-Run 2 'the module Microsoft.Graph.Authentication is not installed: Install-Module Microsoft.Graph.Authentication -Scope CurrentUser'
    }
    Import-Module Microsoft.Graph.Authentication | Out-Null
    $scopes = @(Get-List $M 'scopes' | ForEach-Object { [string]$_ })
    $context = Get-MgContext
    $connected = $false
    if ($null -ne $context) {
        $have = @(Get-List $context 'Scopes' | ForEach-Object { ([string]$_).ToLowerInvariant() })
        $missing = @($scopes | Where-Object { $have -notcontains $_.ToLowerInvariant() })
        $sameTenant = (-not $script:TenantWanted) -or ((ConvertTo-Lower (Get-Prop $context 'TenantId')) -eq $script:TenantWanted)
        if ($sameTenant -and ($missing.Count -eq 0 -or [string](Get-Prop $context 'AuthType') -eq 'AppOnly')) { $connected = $true }
    }
    if (-not $connected) {
        $params = @{ Scopes = $scopes; NoWelcome = $true }
        if ($script:TenantWanted) { $params['TenantId'] = $script:TenantWanted }
        Connect-MgGraph @params | Out-Null
        $context = Get-MgContext
    }
    if ($null -eq $context) { Stop-Run 2 'not connected to Microsoft Graph' }
    $tenant = ConvertTo-Lower (Get-Prop $context 'TenantId')
    if ($script:TenantWanted -and $tenant -ne $script:TenantWanted) {
        Stop-Run 2 ('connected to tenant ' + $tenant + ', but this bundle is for ' + $script:TenantWanted)
    }
    Write-Step ('connected to tenant ' + $tenant + ' as ' + [string](Get-Prop $context 'Account'))
}

function Get-ResumeStart {
    param($Rows)
    $finished = @{}
    foreach ($row in $Rows) {
        if (@('done', 'already-done') -contains [string]$row.outcome) { $finished[[string]$row.op_id] = $true }
    }
    $last = -1
    for ($i = 0; $i -lt $script:Ops.Count; $i++) { if ($finished.ContainsKey([string]$script:Ops[$i].id)) { $last = $i } }
    for ($i = 0; $i -lt $last; $i++) {
        if (-not $finished.ContainsKey([string]$script:Ops[$i].id)) {
            Write-Warning ('op ' + $script:Ops[$i].id + ' comes before the resume point but the journal does not record it as done; run without -Resume to check every op again')
        }
    }
    return ($last + 1)
}

function Invoke-Bundle {
    $listName = 'ops'
    $journalName = 'journal.csv'
    if ($Undo) { $listName = 'undo'; $journalName = 'undo-journal.csv' }
    $path = $Manifest
    if (-not $path) { $path = Join-Path -Path $PSScriptRoot -ChildPath 'manifest.json' }
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { Stop-Run 2 ('no manifest at ' + $path) }
    $path = (Resolve-Path -LiteralPath $path).ProviderPath
    $folder = Split-Path -Path $path -Parent
    $m = Read-Manifest $path

    $stage = [string](Get-Prop (Get-Prop $m 'stage') 'number')
    $wave = Get-Prop $m 'wave'
    $name = 'transcript-' + $stage
    if ($null -ne $wave) { $name = $name + '-w' + [string](Get-Prop $wave 'number') }
    if ($Undo) { $name = $name + '-undo' }
    $name = $name + '-' + [DateTime]::UtcNow.ToString('yyyyMMddTHHmmss', [Globalization.CultureInfo]::InvariantCulture) + 'Z.txt'
    Start-Transcript -LiteralPath (Join-Path -Path $folder -ChildPath $name) -WhatIf:$false -Confirm:$false | Out-Null
    $script:TranscriptOn = $true

    Test-Manifest $m $path $listName
    $hash = [string](Get-Prop (Get-Prop $m 'plan') 'hash')
    if ((ConvertTo-HashText $PlanHash) -ne (ConvertTo-HashText $hash)) {
        Stop-Run 2 ('-PlanHash ' + $PlanHash + ' is not this bundle''s plan hash; check the plan report for the stage you mean to run')
    }
    $exportTenant = ConvertTo-Lower (Get-Prop (Get-Prop $m 'export') 'tenant_id')
    $script:TenantWanted = ConvertTo-Lower $TenantId
    if ($script:TenantWanted -and $exportTenant -and $script:TenantWanted -ne $exportTenant) {
        Stop-Run 2 ('-TenantId ' + $TenantId + ' is not the tenant of the export (' + $exportTenant + ')')
    }
    if (-not $script:TenantWanted) { $script:TenantWanted = $exportTenant }

    $script:Ops = @(Get-List $m $listName)
    $script:ForceRun = [bool]$Force
    $script:TimeoutOverride = $TimeoutMinutes
    $script:JournalPath = Join-Path -Path $folder -ChildPath $journalName
    $rows = Read-Journal $script:JournalPath
    $known = @($rows)
    if ($Undo) { $known = @(Read-Journal (Join-Path -Path $folder -ChildPath 'journal.csv')) + $known }
    foreach ($row in $known) {
        if ([string]$row.outcome -ne 'resolved-placeholder') { continue }
        $target = [string]$row.target
        $id = ([string]$row.message).Trim()
        if ($target -match ('^' + $script:TokenPattern + '$')) {
            $placeholder = $Matches[1]
            if ($id -match $script:GuidPattern) { $script:Resolved[$placeholder] = $id.ToLowerInvariant() }
        }
    }

    $start = 0
    if ($Resume) {
        $start = Get-ResumeStart $rows
        Write-Step ('resuming at op ' + ($start + 1) + ' of ' + $script:Ops.Count)
    }
    $what = 'apply'
    if ($Undo) { $what = 'undo' }
    Write-Step ('licplan ' + $what + ': stage ' + $stage + ', ' + $script:Ops.Count + ' ops, journal ' + $script:JournalPath)
    if ($start -ge $script:Ops.Count) {
        Write-Step 'nothing left to run'
        $script:ExitCode = 0
        return
    }
    Connect-Graph $m
    for ($script:Index = $start; $script:Index -lt $script:Ops.Count; $script:Index++) {
        Invoke-Op $script:Ops[$script:Index]
    }
    if ($script:DryRun) {
        if ($script:DryRunStale -gt 0) {
            Write-Step ('dry run: ' + $script:DryRunStale + ' stale ops; nothing was written')
            $script:ExitCode = 2
            return
        }
        Write-Step 'dry run: nothing was written'
        $script:ExitCode = 0
        return
    }
    Write-Step 'every op done or already done'
    $script:ExitCode = 0
}

$script:TranscriptOn = $false
try {
    $null = Invoke-Bundle
} catch {
    $ex = $_.Exception
    $script:ExitCode = 1
    if ($null -ne $ex -and $ex.Data.Contains('licplan-exit')) {
        $script:ExitCode = [int]$ex.Data['licplan-exit']
        Write-Warning $ex.Message
    } else {
        Write-Warning ('unexpected error: ' + $_.ToString())
        Write-Warning $_.ScriptStackTrace
    }
} finally {
    if ($script:TranscriptOn) { Stop-Transcript | Out-Null }
}
exit $script:ExitCode
