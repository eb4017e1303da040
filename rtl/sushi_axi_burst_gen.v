// SPDX-License-Identifier: Apache-2.0
//
// sushi_axi_burst_gen: splits a run of bus-aligned beats into AXI4 INCR bursts.
//
// Contract:
// - start_i (one cycle) loads the run: first beat address start_addr_i (a byte address; its
//   low log2(DataBytes) bits are ignored) and start_beats_i beats (0 = nothing to issue). Only
//   pulse start_i while pending_o is low.
// - Each issued burst is presented on valid_o/addr_o/len_o (AXI AxVALID/AxADDR/AxLEN) and held,
//   payload stable, until ready_i (AxREADY). valid_o never depends on ready_i combinationally.
// - A new burst is loaded into the output register only while en_i is high (the caller's
//   credit and abort gate); issue_o pulses in that cycle, with issue_len_o its AxLEN.
//   en_i may drop at any time: a burst already presented stays presented until accepted.
// - Bursts are cut at MaxBurstBeats-aligned beat boundaries, so each burst has at most
//   MaxBurstBeats beats and, because MaxBurstBeats*DataBytes divides 4096, never crosses a
//   4 KiB boundary. Bursts cover the run exactly, in address order.
// - Throughput: one burst per cycle when ready_i stays high.
// - pending_o is high while beats remain unissued or a burst is presented.
// - DMA window: a burst is issued only if all its beats lie in [win_lo_i, win_hi_i] (beat
//   addresses, inclusive). While the next burst lies outside, nothing is issued and viol_o is
//   high (until start_i loads a new run); the caller stops the run (hw/docs/persistent-buffer.md 5).

`default_nettype none

module sushi_axi_burst_gen #(
  // Width of a byte address in bits
  parameter integer AddrBits = 32,
  // AXI data bus width in bytes (power of two)
  parameter integer DataBytes = 8,
  // Longest burst in beats (power of two, 1..256, MaxBurstBeats*DataBytes <= 4096)
  parameter integer MaxBurstBeats = 16,
  // Width of the beat counter in bits (at least 10)
  parameter integer CountBits = 30
) (
  input  wire                 clk_i,
  input  wire                 rst_ni,
  // Run to split
  input  wire                 start_i,
  input  wire [AddrBits-1:0]  start_addr_i,
  input  wire [CountBits-1:0] start_beats_i,
  // Gate for loading a new burst
  input  wire                 en_i,
  // DMA window in beat addresses (byte address >> log2(DataBytes)), inclusive
  input  wire [AddrBits-$clog2(DataBytes)-1:0] win_lo_i,
  input  wire [AddrBits-$clog2(DataBytes)-1:0] win_hi_i,
  // The next burst would leave the window: it is not issued
  output wire                 viol_o,
  // Burst output (AXI address channel payload)
  output wire                 valid_o,
  input  wire                 ready_i,
  output wire [AddrBits-1:0]  addr_o,
  output wire [7:0]           len_o,
  // A burst is loaded this cycle, with this AxLEN
  output wire                 issue_o,
  output wire [7:0]           issue_len_o,
  // Beats remain unissued or a burst is presented
  output wire                 pending_o
);

  localparam integer LaneBits = $clog2(DataBytes);
  localparam integer BeatAddrBits = AddrBits - LaneBits;
  // Chunk arithmetic is 9 bits wide: enough for 1..256 beats.
  localparam [8:0] MaxChunk = MaxBurstBeats[8:0];
  localparam [8:0] ChunkMask = MaxChunk - 9'd1;

  generate
    if (!(DataBytes == 4 || DataBytes == 8 || DataBytes == 16)) begin : g_illegal_data_bytes
      $error("sushi_axi_burst_gen: DataBytes=%0d must be 4, 8 or 16", DataBytes);
    end
    if (MaxBurstBeats < 1 || MaxBurstBeats > 256 ||
        (MaxBurstBeats & (MaxBurstBeats - 1)) != 0 ||
        MaxBurstBeats * DataBytes > 4096) begin : g_illegal_max_burst_beats
      $error("sushi_axi_burst_gen: MaxBurstBeats=%0d must be a power of two in 1..256 with MaxBurstBeats*DataBytes <= 4096",
             MaxBurstBeats);
    end
    if (BeatAddrBits < 9 || CountBits < 10) begin : g_illegal_widths
      $error("sushi_axi_burst_gen: AddrBits=%0d or CountBits=%0d too small", AddrBits, CountBits);
    end
  endgenerate

  reg  [BeatAddrBits-1:0] beat_q;   // next beat address to issue
  reg  [CountBits-1:0]    left_q;   // beats not yet issued
  reg                     valid_q;
  reg  [BeatAddrBits-1:0] addr_q;
  reg  [7:0]              len_q;

  // Beats from beat_q to the next MaxBurstBeats-aligned boundary (1..MaxBurstBeats).
  wire [8:0] align_off = beat_q[8:0] & ChunkMask;
  wire [8:0] to_bound = MaxChunk - align_off;
  wire       left_small = left_q < {{(CountBits-9){1'b0}}, to_bound};
  wire [8:0] chunk = left_small ? left_q[8:0] : to_bound;
  wire [8:0] chunk_m1 = chunk - 9'd1;

  // Last beat of the next burst, one bit wider so that a burst wrapping the address space
  // counts as outside.
  wire [BeatAddrBits:0] last_beat = {1'b0, beat_q} + {{(BeatAddrBits-8){1'b0}}, chunk_m1};
  wire outside = (beat_q < win_lo_i) || (last_beat > {1'b0, win_hi_i});
  wire have = (left_q != {CountBits{1'b0}});
  wire issue = en_i && have && !outside && (!valid_q || ready_i);

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      left_q  <= {CountBits{1'b0}};
    end else begin
      if (start_i) begin
        left_q <= start_beats_i;
      end else if (issue) begin
        left_q <= left_q - {{(CountBits-9){1'b0}}, chunk};
      end
      if (issue) begin
        valid_q <= 1'b1;
      end else if (ready_i) begin
        valid_q <= 1'b0;
      end
    end
  end

  // Datapath registers need no reset: they are loaded before use.
  always @(posedge clk_i) begin
    if (start_i) begin
      beat_q <= start_addr_i[AddrBits-1:LaneBits];
    end else if (issue) begin
      beat_q <= beat_q + {{(BeatAddrBits-9){1'b0}}, chunk};
    end
    if (issue) begin
      addr_q <= beat_q;
      len_q  <= chunk_m1[7:0];
    end
  end

  assign valid_o     = valid_q;
  assign addr_o      = {addr_q, {LaneBits{1'b0}}};
  assign len_o       = len_q;
  assign issue_o     = issue;
  assign issue_len_o = chunk_m1[7:0];
  assign pending_o   = valid_q || have;
  assign viol_o      = have && outside;

  // Unused bits: the byte lane of start_addr_i (beats are bus aligned) and chunk_m1[8]
  // (chunk <= 256, so chunk - 1 fits 8 bits).
  wire unused_ok = &{1'b0, start_addr_i[LaneBits-1:0], chunk_m1[8]};

endmodule

`default_nettype wire
