// SPDX-License-Identifier: Apache-2.0
//
// sushi_counters: the 64-bit performance counters of the register map.
//
// Contract:
// - All counters are zero after reset and wrap modulo 2^64.
// - cycles_o counts every cycle since reset; clear_i does not affect it.
// - busy_cycles_o +1 per cycle with busy_i; dram_read_bytes_o / dram_write_bytes_o +DataBytes
//   per cycle with rd_beat_i / wr_beat_i (an R / W handshake); read_wait_cycles_o and
//   write_wait_cycles_o +1 per cycle with rd_wait_i / wr_wait_i (the caller qualifies these).
// - clear_i (one-cycle pulse) zeroes every counter except cycles_o at the next edge; it wins
//   over an increment in the same cycle.
// - Outputs are registers: an event in cycle t is visible from cycle t+1.
// - Datapath counters, packed in ext_o in register-map order (64 bits each, index 0 lowest):
//   0 MACS (+macs_inc_i per cycle), 1 COMPUTE_BUSY_CYCLES (comp_busy_i), 2 DMA_BUSY_CYCLES
//   (dma_busy_i), 3 COMPUTE_WAIT_DMA_CYCLES (comp_wait_i), 4 DMA_WAIT_COMPUTE_CYCLES
//   (dma_wait_i), 5 DRAM_READ_WEIGHT_BYTES, 6 DRAM_READ_ACT_BYTES, 7 DRAM_WRITE_ACT_BYTES,
//   8 DRAM_READ_CMD_BYTES, 9 DRAM_READ_EPI_BYTES, 10 PB_FILL_BYTES (+DataBytes per flagged R /
//   W beat), 11 PB_READ_BYTES (+WordBytes per pb_word_i), 12 DMA_WINDOW_VIOLATIONS,
//   13 PB_OVERFLOWS (+1 per pulse).

`default_nettype none

module sushi_counters #(
  // AXI data bus width in bytes: the byte count of one R or W beat
  parameter integer DataBytes = 8,
  // Width of the MACS increment in bits
  parameter integer MacsIncBits = 16,
  // Bytes of one WMEM/PB word (R * C): the byte count of one COPY_PB word
  parameter integer WordBytes = 128
) (
  input  wire        clk_i,
  input  wire        rst_ni,
  input  wire        clear_i,
  input  wire        busy_i,
  input  wire        rd_beat_i,
  input  wire        wr_beat_i,
  input  wire        rd_wait_i,
  input  wire        wr_wait_i,
  output wire [63:0] cycles_o,
  output wire [63:0] busy_cycles_o,
  output wire [63:0] dram_read_bytes_o,
  output wire [63:0] dram_write_bytes_o,
  output wire [63:0] read_wait_cycles_o,
  output wire [63:0] write_wait_cycles_o,
  input  wire [MacsIncBits-1:0] macs_inc_i,
  input  wire        comp_busy_i,
  input  wire        dma_busy_i,
  input  wire        comp_wait_i,
  input  wire        dma_wait_i,
  input  wire        rd_weight_beat_i,
  input  wire        rd_act_beat_i,
  input  wire        wr_act_beat_i,
  input  wire        rd_cmd_beat_i,
  input  wire        rd_epi_beat_i,
  input  wire        rd_pb_fill_beat_i,
  input  wire        pb_word_i,
  input  wire        window_violation_i,
  input  wire        pb_overflow_i,
  output wire [64*14-1:0] ext_o
);

  localparam [63:0] BeatBytes = {32'd0, DataBytes};
  localparam [63:0] WordBytes64 = {32'd0, WordBytes};

  reg [63:0] cycles_q;
  reg [63:0] busy_cycles_q;
  reg [63:0] dram_read_bytes_q;
  reg [63:0] dram_write_bytes_q;
  reg [63:0] read_wait_cycles_q;
  reg [63:0] write_wait_cycles_q;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      cycles_q <= 64'd0;
    end else begin
      cycles_q <= cycles_q + 64'd1;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      busy_cycles_q       <= 64'd0;
      dram_read_bytes_q   <= 64'd0;
      dram_write_bytes_q  <= 64'd0;
      read_wait_cycles_q  <= 64'd0;
      write_wait_cycles_q <= 64'd0;
    end else begin
      if (busy_i) begin
        busy_cycles_q <= busy_cycles_q + 64'd1;
      end
      if (rd_beat_i) begin
        dram_read_bytes_q <= dram_read_bytes_q + BeatBytes;
      end
      if (wr_beat_i) begin
        dram_write_bytes_q <= dram_write_bytes_q + BeatBytes;
      end
      if (rd_wait_i) begin
        read_wait_cycles_q <= read_wait_cycles_q + 64'd1;
      end
      if (wr_wait_i) begin
        write_wait_cycles_q <= write_wait_cycles_q + 64'd1;
      end
    end
  end

  wire [64*14-1:0] ext_inc;
  assign ext_inc[64*0 +: 64] = {{(64-MacsIncBits){1'b0}}, macs_inc_i};
  assign ext_inc[64*1 +: 64] = {63'd0, comp_busy_i};
  assign ext_inc[64*2 +: 64] = {63'd0, dma_busy_i};
  assign ext_inc[64*3 +: 64] = {63'd0, comp_wait_i};
  assign ext_inc[64*4 +: 64] = {63'd0, dma_wait_i};
  assign ext_inc[64*5 +: 64] = rd_weight_beat_i ? BeatBytes : 64'd0;
  assign ext_inc[64*6 +: 64] = rd_act_beat_i ? BeatBytes : 64'd0;
  assign ext_inc[64*7 +: 64] = wr_act_beat_i ? BeatBytes : 64'd0;
  assign ext_inc[64*8 +: 64] = rd_cmd_beat_i ? BeatBytes : 64'd0;
  assign ext_inc[64*9 +: 64] = rd_epi_beat_i ? BeatBytes : 64'd0;
  assign ext_inc[64*10 +: 64] = rd_pb_fill_beat_i ? BeatBytes : 64'd0;
  assign ext_inc[64*11 +: 64] = pb_word_i ? WordBytes64 : 64'd0;
  assign ext_inc[64*12 +: 64] = {63'd0, window_violation_i};
  assign ext_inc[64*13 +: 64] = {63'd0, pb_overflow_i};

  genvar gi;
  generate
    for (gi = 0; gi < 14; gi = gi + 1) begin : g_ext
      reg [63:0] ext_q;
      always @(posedge clk_i) begin
        if (!rst_ni || clear_i) begin
          ext_q <= 64'd0;
        end else begin
          ext_q <= ext_q + ext_inc[64*gi +: 64];
        end
      end
      assign ext_o[64*gi +: 64] = ext_q;
    end
  endgenerate

  assign cycles_o            = cycles_q;
  assign busy_cycles_o       = busy_cycles_q;
  assign dram_read_bytes_o   = dram_read_bytes_q;
  assign dram_write_bytes_o  = dram_write_bytes_q;
  assign read_wait_cycles_o  = read_wait_cycles_q;
  assign write_wait_cycles_o = write_wait_cycles_q;

endmodule

`default_nettype wire
