// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_epi_lane: one epilogue lane, stages E1..E4: requantises an int32 value to
// int8 (host/docs/int8-semantics.md), or computes one ADD element.
//
// Contract:
// - Fixed latency, no handshake: the inputs are sampled every cycle (E1) and their byte is on
//   byte_o four cycles later (after E4). The caller tracks which cycles are valid.
// - Requantisation (add_i low): val_i = acc + bias, y_i = m, shift_i = s (1..62):
//   byte = clamp((val * m + 2^(s-1)) >>> s, lo_i, hi_i), with val * m formed as
//   (val * m[31:16]) * 2^16 + val * m[15:0] (two DSP-sized products).
// - ADD (add_i high): y_i = {sext16(a), sext16(b)} for the int8 elements a and b, ma_i and
//   mb_i the multipliers MA and MB, shift_i = SHIFT: byte = clamp((MA*a + MB*b + 2^(s-1))
//   >>> s, lo_i, hi_i), using the same two multipliers. val_i is unused.
// - add_i, ma_i, mb_i, lo_i and hi_i hold for the whole command.
//
// The two products of E2 (neutral names, their factors depend on the mode):
//   prod1 = x1 * y1: val * m[31:16]  (ADD: MA * a)
//   prod2 = x2 * y2: val * m[15:0]   (ADD: MB * b), y2 unsigned except in ADD

`default_nettype none

module sushi_compute_epi_lane (
  input  wire        clk_i,
  input  wire        add_i,
  // E1 inputs
  input  wire [31:0] val_i,
  input  wire [31:0] y_i,
  input  wire [5:0]  shift_i,
  // Command constants
  input  wire [31:0] ma_i,
  input  wire [31:0] mb_i,
  input  wire [7:0]  lo_i,
  input  wire [7:0]  hi_i,
  // E4 output
  output reg  [7:0]  byte_o
);

  reg  [31:0] e1_val;     // val (requantisation)
  reg  [31:0] e1_y;       // {y1, y2}: the 16-bit second factors of prod1 and prod2
  reg  [5:0]  e1_s;
  reg  [47:0] e2_prod1;   // x1 * y1 (signed)
  reg  [48:0] e2_prod2;   // x2 * y2
  reg  [5:0]  e2_s;
  reg  [63:0] e3_r;       // sum with the rounding constant
  reg  [5:0]  e3_s;

  // E2: the products' first factors.
  wire [31:0] x1 = add_i ? ma_i : e1_val;
  wire [31:0] x2 = add_i ? mb_i : e1_val;
  wire        y2s = add_i && e1_y[15];
  // E3: acc*m = prod1 * 2^16 + prod2 (ADD: prod1 + prod2), plus the rounding constant.
  wire [5:0]  sh = e2_s;
  wire [63:0] p2 = {{15{e2_prod2[48]}}, e2_prod2};
  wire [63:0] p1 = add_i ? {{16{e2_prod1[47]}}, e2_prod1} : {e2_prod1, 16'd0};
  wire [63:0] rnd = p1 + p2 + (64'd1 << (sh - 6'd1));
  // E4: shift and clamp.
  wire signed [63:0] shifted = $signed(e3_r) >>> e3_s;
  wire signed [63:0] lo64 = {{56{lo_i[7]}}, lo_i};
  wire signed [63:0] hi64 = {{56{hi_i[7]}}, hi_i};
  wire [7:0]  clamped = (shifted < lo64) ? lo_i : (shifted > hi64) ? hi_i : shifted[7:0];

  always @(posedge clk_i) begin
    e1_val   <= val_i;
    e1_y     <= y_i;
    e1_s     <= shift_i;
    e2_prod2 <= $signed(x2) * $signed({y2s, e1_y[15:0]});
    e2_prod1 <= $signed(x1) * $signed(e1_y[31:16]);
    e2_s     <= e1_s;
    e3_r     <= rnd;
    e3_s     <= sh;
    byte_o   <= clamped;
  end

endmodule

`default_nettype wire
