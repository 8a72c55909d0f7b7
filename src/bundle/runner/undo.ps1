<#
.SYNOPSIS
Undoes one licplan bundle (a stage or a wave of a plan): runs the manifest's undo ops, which
licplan simulated from the stage's end state before writing them.

.DESCRIPTION
This runner is the same file in every bundle: it holds no tenant data. It runs apply.ps1 (beside
it) on the manifest's undo list, in the manifest's order (adds before removes), with the same
checks: each undo op is skipped when its postcondition already holds, refused when its
precondition no longer holds (unless -Force), and journaled to undo-journal.csv. The ids of the
groups the plan created are read from journal.csv (written by apply.ps1) or found by uniqueName.
Read manifest.json's undo_proof first: when proven is false, its reasons say what undo cannot
restore.

.PARAMETER PlanHash
The plan's hash as printed in the plan report (sha256:...). The runner refuses a manifest whose
plan.hash differs.

.PARAMETER Manifest
The bundle's manifest; by default manifest.json beside this script.

.PARAMETER Force
Runs an undo op whose precondition no longer holds instead of stopping.

.PARAMETER Resume
Continues after the last undo op undo-journal.csv records as done or already-done.

.PARAMETER TenantId
The tenant to connect to; compared with the manifest's export.tenant_id and with the tenant of the
Graph connection.

.PARAMETER TimeoutMinutes
Overrides each wait-for-processing op's timeout (minutes).

.EXAMPLE
.\undo.ps1 -PlanHash sha256:0123... -WhatIf
Dry run of the undo: reads the tenant and prints what each undo op would do.

.EXAMPLE
.\undo.ps1 -PlanHash sha256:0123... -Confirm:$false
Undoes the bundle without asking for each op.

.NOTES
EXIT CODES
  0  every undo op done or already done (a -WhatIf run: nothing stale found)
  1  an unexpected outcome: the run stopped; see undo-journal.csv and the transcript
  2  refused before any write, or a stale op: plan hash or tenant mismatch, unusable manifest,
     missing module or apply.ps1, a precondition that no longer holds (without -Force)
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
    [int]$TimeoutMinutes = 0
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$engine = Join-Path -Path $PSScriptRoot -ChildPath 'apply.ps1'
if (-not (Test-Path -LiteralPath $engine -PathType Leaf)) {
    Write-Warning ('apply.ps1 is missing beside undo.ps1 (' + $engine + '); undo runs through it')
    exit 2
}
$forward = @{}
foreach ($key in $PSBoundParameters.Keys) { $forward[$key] = $PSBoundParameters[$key] }
if (-not $Manifest) { $forward['Manifest'] = Join-Path -Path $PSScriptRoot -ChildPath 'manifest.json' }
$forward['Undo'] = $true
& $engine @forward
exit $LASTEXITCODE
