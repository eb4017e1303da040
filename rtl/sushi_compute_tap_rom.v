// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_tap_rom: the ring-order tap table of the window operators.
//
// Contract:
// - Combinational. tap_i is a tap index t (0..48); dy_o/dx_o are its row/column offset
//   (two's complement, -3..3) in ring order (rtl/README.md "Tap order", layout::ring_taps in
//   the host): tap 0 is the centre, then ring by ring, each ring in raster order.
// - Indices above 48 read (0, 0); the loop nest never asks for them with a legal KERNEL.

`default_nettype none

module sushi_compute_tap_rom (
  input  wire [5:0] tap_i,
  output wire [3:0] dy_o,
  output wire [3:0] dx_o
);

  // {dy, dx} of the tap.
  reg [7:0] off;

  always @* begin
    case (tap_i)
      6'd0: off = 8'h00; // dy 0, dx 0
      6'd1: off = 8'hff; // dy -1, dx -1
      6'd2: off = 8'hf0; // dy -1, dx 0
      6'd3: off = 8'hf1; // dy -1, dx 1
      6'd4: off = 8'h0f; // dy 0, dx -1
      6'd5: off = 8'h01; // dy 0, dx 1
      6'd6: off = 8'h1f; // dy 1, dx -1
      6'd7: off = 8'h10; // dy 1, dx 0
      6'd8: off = 8'h11; // dy 1, dx 1
      6'd9: off = 8'hee; // dy -2, dx -2
      6'd10: off = 8'hef; // dy -2, dx -1
      6'd11: off = 8'he0; // dy -2, dx 0
      6'd12: off = 8'he1; // dy -2, dx 1
      6'd13: off = 8'he2; // dy -2, dx 2
      6'd14: off = 8'hfe; // dy -1, dx -2
      6'd15: off = 8'hf2; // dy -1, dx 2
      6'd16: off = 8'h0e; // dy 0, dx -2
      6'd17: off = 8'h02; // dy 0, dx 2
      6'd18: off = 8'h1e; // dy 1, dx -2
      6'd19: off = 8'h12; // dy 1, dx 2
      6'd20: off = 8'h2e; // dy 2, dx -2
      6'd21: off = 8'h2f; // dy 2, dx -1
      6'd22: off = 8'h20; // dy 2, dx 0
      6'd23: off = 8'h21; // dy 2, dx 1
      6'd24: off = 8'h22; // dy 2, dx 2
      6'd25: off = 8'hdd; // dy -3, dx -3
      6'd26: off = 8'hde; // dy -3, dx -2
      6'd27: off = 8'hdf; // dy -3, dx -1
      6'd28: off = 8'hd0; // dy -3, dx 0
      6'd29: off = 8'hd1; // dy -3, dx 1
      6'd30: off = 8'hd2; // dy -3, dx 2
      6'd31: off = 8'hd3; // dy -3, dx 3
      6'd32: off = 8'hed; // dy -2, dx -3
      6'd33: off = 8'he3; // dy -2, dx 3
      6'd34: off = 8'hfd; // dy -1, dx -3
      6'd35: off = 8'hf3; // dy -1, dx 3
      6'd36: off = 8'h0d; // dy 0, dx -3
      6'd37: off = 8'h03; // dy 0, dx 3
      6'd38: off = 8'h1d; // dy 1, dx -3
      6'd39: off = 8'h13; // dy 1, dx 3
      6'd40: off = 8'h2d; // dy 2, dx -3
      6'd41: off = 8'h23; // dy 2, dx 3
      6'd42: off = 8'h3d; // dy 3, dx -3
      6'd43: off = 8'h3e; // dy 3, dx -2
      6'd44: off = 8'h3f; // dy 3, dx -1
      6'd45: off = 8'h30; // dy 3, dx 0
      6'd46: off = 8'h31; // dy 3, dx 1
      6'd47: off = 8'h32; // dy 3, dx 2
      6'd48: off = 8'h33; // dy 3, dx 3
      default: off = 8'h00;
    endcase
  end

  assign dy_o = off[7:4];
  assign dx_o = off[3:0];

endmodule

`default_nettype wire
