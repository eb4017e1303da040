// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_mac_array: pipeline stages S4..S6: the R x C int8 MAC array with an int32
// accumulator per cell, and the snapshot that hands a finished position to the epilogue.
//
// Contract:
// - op_*_i is one step's operands (valid-only, no stall): cell (r, c) takes x byte r*C + c
//   and w byte r*C + c (int8). S4 registers them, S5 the 16-bit products, S6 accumulates:
//   acc = (first step of the position ? 0 : acc) + product.
// - On the last step of a position (op_last_i), the accumulated sums of that step also load
//   snap_acc_o and its op_tag_i loads snap_tag_o: snap_valid_o is high in that S6 cycle, and
//   the snapshot holds from the next cycle until the next snap_valid_o. The loop nest issues
//   last steps at least Pmin cycles apart and the epilogue reads a snapshot within Pmin cycles
//   (CONV, GAP: one; DWCONV: C), so the snapshot needs no ready.
// - op_tag_i is carried unchanged alongside the step (the output placement).

`default_nettype none

module sushi_compute_mac_array #(
  // MAC array rows R
  parameter integer ArrayRows = 16,
  // MAC array columns C
  parameter integer ArrayCols = 8,
  // Width of the tag carried with a step
  parameter integer TagW = 31
) (
  input  wire                              clk_i,
  input  wire                              rst_ni,
  input  wire                              abort_i,
  // S3: one step's operands
  input  wire                              op_valid_i,
  input  wire                              op_first_i,
  input  wire                              op_last_i,
  input  wire [TagW-1:0]                   op_tag_i,
  input  wire [ArrayRows*ArrayCols*8-1:0]  op_x_i,
  input  wire [ArrayRows*ArrayCols*8-1:0]  op_w_i,
  // Snapshot of a finished position: cell (r, c) at bits 32*(r*C + c)
  output wire                              snap_valid_o,
  output reg  [ArrayRows*ArrayCols*32-1:0] snap_acc_o,
  output reg  [TagW-1:0]                   snap_tag_o
);

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;

  reg               s4_v;
  reg               s4_first;
  reg               s4_last;
  reg [R*C*8-1:0]   s4_x;
  reg [R*C*8-1:0]   s4_w;
  reg [TagW-1:0]    s4_tag;
  reg               s5_v;
  reg               s5_first;
  reg               s5_last;
  reg [R*C*16-1:0]  s5_p;
  reg [TagW-1:0]    s5_tag;
  reg [R*C*32-1:0]  acc_q;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      s4_v <= 1'b0;
      s5_v <= 1'b0;
    end else begin
      s4_v <= op_valid_i;
      s5_v <= s4_v;
    end
    s4_first <= op_first_i;
    s4_last  <= op_last_i;
    s4_x     <= op_x_i;
    s4_w     <= op_w_i;
    s4_tag   <= op_tag_i;
    s5_first <= s4_first;
    s5_last  <= s4_last;
    s5_tag   <= s4_tag;
  end

  wire snap_load = s5_v && s5_last;

  genvar gr;
  genvar gc;
  generate
    for (gr = 0; gr < R; gr = gr + 1) begin : g_row
      for (gc = 0; gc < C; gc = gc + 1) begin : g_col
        localparam integer I = C * gr + gc;
        wire signed [15:0] prod = $signed(s4_x[8*I +: 8]) * $signed(s4_w[8*I +: 8]);
        wire signed [31:0] sum = (s5_first ? 32'sd0 : $signed(acc_q[32*I +: 32])) +
                                 {{16{s5_p[16*I+15]}}, s5_p[16*I +: 16]};
        always @(posedge clk_i) begin
          s5_p[16*I +: 16] <= prod;
          if (s5_v) begin
            acc_q[32*I +: 32] <= sum;
          end
          if (snap_load) begin
            snap_acc_o[32*I +: 32] <= sum;
          end
        end
      end
    end
  endgenerate

  always @(posedge clk_i) begin
    if (snap_load) begin
      snap_tag_o <= s5_tag;
    end
  end

  assign snap_valid_o = snap_load;

endmodule

`default_nettype wire
