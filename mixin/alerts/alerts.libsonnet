// The alert rules. Each has a runbook in docs/runbooks.md, and a for:
// whose length is explained beside it where the condition is a state
// (rules over increase() already look back over their window).
{
  local c = $._config,
  local sel(extra='') = '{' + c.hwgraphSelector + (if extra == '' then '' else ',' + extra) + '}',
  local alert(name, expr, severity, summary, description, forDuration=null) = {
    alert: name,
    expr: expr,
    labels: { severity: severity },
    annotations: {
      summary: summary,
      description: description,
      runbook_url: c.runbookURLPattern % std.asciiLower(name),
    },
  } + (if forDuration == null then {} else { 'for': forDuration }),

  prometheusAlerts+:: {
    groups+: [{
      name: 'hwgraph',
      rules: [
        alert('HwgraphDIMMCorrectableErrors',
              'increase(hwgraph_memory_errors_total%s[24h]) >= %d' % [sel('kind="dimm",type="corrected"'), c.dimmCorrectedErrorsPerDay],
              'warning',
              'DIMM {{ $labels.id }} on {{ $labels.instance }} is counting corrected ECC errors',
              '{{ $value | humanize }} corrected memory errors in the last 24 hours on {{ $labels.id }} (threshold %d a day, as mcelog). A steady stream of corrected errors precedes uncorrected ones: plan to replace the module in that slot.' % c.dimmCorrectedErrorsPerDay),
        // No for: one uncorrected error is already data lost.
        alert('HwgraphDIMMUncorrectableError',
              'hwgraph_memory_errors_total%s > 0' % sel('kind="dimm",type="uncorrected"'),
              'critical',
              'DIMM {{ $labels.id }} on {{ $labels.instance }} had an uncorrected ECC error',
              '{{ $value }} uncorrected memory errors on {{ $labels.id }} since boot: data was lost. Replace the module in that slot.'),
        // 10m: a DIMM cannot come back without a reboot, but a scan whose
        // SMBIOS or EDAC read failed once must not page.
        alert('HwgraphDIMMMissing',
              'hwgraph_component_state%s == 1' % sel('kind="dimm",state="missing"'),
              'critical',
              'DIMM {{ $labels.id }} on {{ $labels.instance }} is missing',
              '{{ $labels.id }} is in the accepted inventory but neither the firmware nor EDAC reports it now. If it was pulled on purpose, run `hwgraph baseline accept`.',
              '10m'),
        // 2m: a bus busy with a long transfer may time out once.
        alert('HwgraphI2CBusLockup',
              'hwgraph_i2c_bus_locked%s == 1' % sel(),
              'critical',
              'I2C bus {{ $labels.id }} on {{ $labels.instance }} is locked up',
              'Transfers on {{ $labels.id }} time out or the kernel reports the bus stuck; sensors, SPD and PSUs behind it are unreachable.',
              '2m'),
        // 5m: a device being reset or re-enumerated (a hot-plug rescan,
        // an SR-IOV change) leaves for a scan or two.
        alert('HwgraphDeviceRemoved',
              'hwgraph_component_state%s == 1' % sel('state="missing",kind!~"dimm|gpu"'),
              'critical',
              '{{ $labels.kind }} {{ $labels.id }} on {{ $labels.instance }} is gone',
              '{{ $labels.id }} is in the accepted inventory but absent now: hot-unplugged, dead, or dropped off its bus.',
              '5m'),
        // 10m: links retrain after resets and power-state changes.
        alert('HwgraphPCIeLinkDegraded',
              // Below its speed only when not power-managed: an idle GPU
              // retrains to Gen1 and back under load.
              'hwgraph_link_width%(s)s < hwgraph_link_max_width%(s)s\n  or (hwgraph_link_speed_transfers_per_second%(s)s < hwgraph_link_max_speed_transfers_per_second%(s)s\n      unless hwgraph_link_power_managed%(s)s == 1)\n' % { s: sel('kind="pcie"') },
              'warning',
              'PCIe link to {{ $labels.to }} on {{ $labels.instance }} trained below its capability',
              'The link {{ $labels.from }} → {{ $labels.to }} runs below the width or speed both ends support, and not to save power: reseat the card, check the riser or slot.',
              '10m'),
        alert('HwgraphPCIeCorrectableErrors',
              'increase(hwgraph_link_errors_total%s[1h]) > %d' % [sel('kind="pcie",type="aer_correctable"'), c.pcieCorrectedErrorsPerHour],
              'warning',
              'PCIe link to {{ $labels.to }} on {{ $labels.instance }} is replaying many packets',
              '{{ $value | humanize }} corrected AER errors in the last hour on {{ $labels.from }} → {{ $labels.to }} (threshold %d an hour): a marginal link losing bandwidth to replays.' % c.pcieCorrectedErrorsPerHour),
        alert('HwgraphPCIeUncorrectableErrors',
              'increase(hwgraph_link_errors_total%s[1h]) > 0' % sel('kind="pcie",type=~"aer_nonfatal|aer_fatal"'),
              'critical',
              'PCIe link to {{ $labels.to }} on {{ $labels.instance }} had {{ $labels.type }} errors',
              '{{ $value | humanize }} new {{ $labels.type }} errors in the last hour on {{ $labels.from }} → {{ $labels.to }}: transactions were lost.'),
        // 5m: the warning bits are sticky in the controller; two reads
        // five minutes apart rule out a misread page.
        alert('HwgraphNVMeCriticalWarning',
              'hwgraph_nvme_critical_warning%s > 0' % sel(),
              'critical',
              'NVMe drive {{ $labels.id }} on {{ $labels.instance }} raises a critical warning',
              "Its health log's critical warning is {{ $value }} (bits: 1 spare below threshold, 2 temperature, 4 reliability degraded, 8 read-only, 16 backup failed). Reliability or read-only: replace the drive now; see hwgraph for the reason.",
              '5m'),
        // 1h: wear moves by a percent in weeks, not minutes.
        alert('HwgraphNVMeWearingOut',
              'hwgraph_nvme_percentage_used%s >= 90' % sel(),
              'warning',
              'NVMe drive {{ $labels.id }} on {{ $labels.instance }} has used {{ $value }}% of its rated endurance',
              'The controller estimates {{ $value }}% of its rated write endurance used: plan its replacement before it reaches 100%.',
              '1h'),
        alert('HwgraphNVMeMediaErrors',
              'increase(hwgraph_nvme_media_errors_total%s[1h]) > 0' % sel(),
              'warning',
              'NVMe drive {{ $labels.id }} on {{ $labels.instance }} is counting media errors',
              '{{ $value | humanize }} new media and data integrity errors in the last hour: data could not be read back as written.'),
        alert('HwgraphDiskIOErrors',
              'increase(hwgraph_disk_io_errors_total%s[1h]) > 0' % sel(),
              'warning',
              'Disk {{ $labels.id }} on {{ $labels.instance }} is counting I/O {{ $labels.type }}s',
              '{{ $value | humanize }} new I/O {{ $labels.type }}s in the last hour: the disk, its cable, the expander or the HBA is failing.'),
        // 5m: error handling may take a disk offline for the length of a
        // host reset and bring it back.
        alert('HwgraphDiskOffline',
              'hwgraph_component_state%s == 1' % sel('kind="disk",state="failed"'),
              'critical',
              'Disk {{ $labels.id }} on {{ $labels.instance }} is offline',
              "The SCSI layer took {{ $labels.id }} offline: its I/O fails; see hwgraph for the state and the kernel's messages.",
              '5m'),
        // 2m: an operator's GPU reset passes through missing; a GPU that
        // fell off the bus stays off.
        alert('HwgraphGPUFellOffBus',
              'hwgraph_component_state%s == 1' % sel('kind="gpu",state=~"missing|failed"'),
              'critical',
              'GPU {{ $labels.id }} on {{ $labels.instance }} is {{ $labels.state }}',
              '{{ $labels.id }} fell off the bus (Xid 79), failed, or vanished from PCI. Its jobs are lost; the node needs a GPU reset or a reboot.',
              '2m'),
        // 15m: a collector may time out once under load.
        alert('HwgraphCollectorFailing',
              'hwgraph_collector_success%s == 0' % sel(),
              'warning',
              "hwgraph's {{ $labels.collector }} collector fails on {{ $labels.instance }}",
              'The {{ $labels.collector }} collector has errored or timed out for 15 minutes: what it watches is not being watched.',
              '15m'),
        // 5m: a restart (an upgrade) takes seconds.
        alert('HwgraphAgentDown',
              'up%s == 0' % sel(),
              'warning',
              'hwgraph on {{ $labels.instance }} is down',
              "Prometheus cannot scrape hwgraph on {{ $labels.instance }}: that machine's hardware is not watched.",
              '5m'),
        // 5m beyond the threshold: one slow scan is not stale.
        alert('HwgraphScanStale',
              'time() - hwgraph_last_scan_timestamp_seconds%s > %d' % [sel(), c.scanStaleSeconds],
              'warning',
              "hwgraph's last scan on {{ $labels.instance }} is {{ $value | humanizeDuration }} old",
              'hwgraph answers but has finished no scan for {{ $value | humanizeDuration }}: a read of the hardware hangs, and what it serves is old.',
              '5m'),
      ],
    }],
  },
}
