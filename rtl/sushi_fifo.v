// SPDX-License-Identifier: Apache-2.0
//
// sushi_fifo: small synchronous FIFO (register array, first-word fall-through).
//
// Contract:
// - push_i writes push_data_i when not full, or when full and popping in the same cycle
//   (otherwise a push while full_o is a caller error and is ignored); pop_i removes the head
//   when not empty. Push and pop may happen in the same cycle.
// - head_o is the oldest entry (valid while count_o != 0), read combinationally.
// - clear_i empties the FIFO at the next edge (wins over push and pop).
// - count_o is the number of entries (0..Depth).

`default_nettype none

module sushi_fifo #(
  // Entry width in bits
  parameter integer Width = 8,
  // Entries (power of two, 2..256)
  parameter integer Depth = 4
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,
  input  wire                     clear_i,
  input  wire                     push_i,
  input  wire [Width-1:0]         push_data_i,
  input  wire                     pop_i,
  output wire [Width-1:0]         head_o,
  output wire [$clog2(Depth):0]   count_o,
  output wire                     full_o
);

  localparam integer PtrBits = $clog2(Depth);

  generate
    if (Depth < 2 || Depth > 256 || (Depth & (Depth - 1)) != 0) begin : g_illegal_depth
      $error("sushi_fifo: Depth=%0d must be a power of two in 2..256", Depth);
    end
  endgenerate

  reg [Width-1:0]   mem [0:Depth-1];
  reg [PtrBits-1:0] wptr_q;
  reg [PtrBits-1:0] rptr_q;
  reg [PtrBits:0]   cnt_q;

  wire full  = (cnt_q == Depth[PtrBits:0]);
  wire empty = (cnt_q == {(PtrBits+1){1'b0}});
  wire do_pop  = pop_i && !empty;
  wire do_push = push_i && (!full || do_pop);

  always @(posedge clk_i) begin
    if (do_push) begin
      mem[wptr_q] <= push_data_i;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      wptr_q <= {PtrBits{1'b0}};
      rptr_q <= {PtrBits{1'b0}};
      cnt_q  <= {(PtrBits+1){1'b0}};
    end else begin
      if (do_push) begin
        wptr_q <= wptr_q + 1'b1;
      end
      if (do_pop) begin
        rptr_q <= rptr_q + 1'b1;
      end
      if (do_push && !do_pop) begin
        cnt_q <= cnt_q + 1'b1;
      end else if (!do_push && do_pop) begin
        cnt_q <= cnt_q - 1'b1;
      end
    end
  end

  assign head_o  = mem[rptr_q];
  assign count_o = cnt_q;
  assign full_o  = full;

endmodule

`default_nettype wire
