// SPDX-License-Identifier: Apache-2.0
//
// sushi_ram: on-chip memory with a read port A and a read-or-write port B (BRAM style).
//
// Contract:
// - Port A: when a_en_i, a_rdata_o <= mem[a_addr_i] at the edge (one cycle latency); held
//   otherwise.
// - Port B: when b_we_i, mem[b_addr_i] <= b_wdata_i; else when b_en_i, b_rdata_o <=
//   mem[b_addr_i]. Reading a word written in the same cycle on port A returns the old value.
// - Only the low clog2(Depth) address bits are used: callers keep addresses below Depth.
// - No reset: contents are undefined after power-up.

`default_nettype none

module sushi_ram #(
  // Word width in bits
  parameter integer Width = 8,
  // Words
  parameter integer Depth = 256,
  // Address width in bits (at least clog2(Depth))
  parameter integer AddrW = 8
) (
  input  wire             clk_i,
  input  wire             a_en_i,
  input  wire [AddrW-1:0] a_addr_i,
  output reg  [Width-1:0] a_rdata_o,
  input  wire             b_en_i,
  input  wire             b_we_i,
  input  wire [AddrW-1:0] b_addr_i,
  input  wire [Width-1:0] b_wdata_i,
  output reg  [Width-1:0] b_rdata_o
);

  localparam integer IdxW = (Depth > 1) ? $clog2(Depth) : 1;

  reg [Width-1:0] mem [0:Depth-1];
  wire [IdxW-1:0] a_idx = a_addr_i[IdxW-1:0];
  wire [IdxW-1:0] b_idx = b_addr_i[IdxW-1:0];

  always @(posedge clk_i) begin
    if (b_we_i) begin
      mem[b_idx] <= b_wdata_i;
    end else if (b_en_i) begin
      b_rdata_o <= mem[b_idx];
    end
    if (a_en_i) begin
      a_rdata_o <= mem[a_idx];
    end
  end

  // Address bits above clog2(Depth) are ignored (callers keep addresses below Depth).
  generate
    if (AddrW > IdxW) begin : g_unused_addr
      wire unused_ok = &{1'b0, a_addr_i[AddrW-1:IdxW], b_addr_i[AddrW-1:IdxW]};
    end
  endgenerate

endmodule

`default_nettype wire
