import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import {
  CreateMemoryDto,
  DeleteMemoryQuery,
  ListMemoriesQuery,
  UpdateMemoryDto,
} from './memory.dto';
import {
  MemoryListResponse,
  MemoryResponse,
  toMemoryListResponse,
  toMemoryResponse,
} from './memory.response';
import { MemoryService } from './memory.service';

@ApiTags('memories')
@Controller('memories')
export class MemoryController {
  constructor(private readonly memories: MemoryService) {}

  @Post()
  @Authenticated('memories:write')
  @ApiCreatedResponse({ type: MemoryResponse })
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateMemoryDto,
  ): Promise<MemoryResponse> {
    return toMemoryResponse(await this.memories.create(caller, body));
  }

  @Get()
  @Authenticated('memories:read')
  @ApiOkResponse({ type: MemoryListResponse })
  async list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListMemoriesQuery,
  ): Promise<MemoryListResponse> {
    return toMemoryListResponse(await this.memories.list(caller, query), query);
  }

  @Get(':id')
  @Authenticated('memories:read')
  @ApiOkResponse({ type: MemoryResponse })
  async get(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<MemoryResponse> {
    return toMemoryResponse(await this.memories.get(caller, id));
  }

  @Patch(':id')
  @Authenticated('memories:write')
  @ApiOkResponse({ type: MemoryResponse })
  async update(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() body: UpdateMemoryDto,
  ): Promise<MemoryResponse> {
    return toMemoryResponse(await this.memories.update(caller, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated('memories:write')
  @ApiNoContentResponse()
  async delete(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Query() query: DeleteMemoryQuery,
  ): Promise<void> {
    await this.memories.delete(caller, id, query.reason);
  }
}
